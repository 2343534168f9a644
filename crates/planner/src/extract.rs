//! Turns solver values back into a schedule: posts in time order with their scores, the batch
//! that makes each post, series episode numbers, and the rules an elastic schedule breaks.

use std::collections::HashMap;

use crate::instance::{Instance, heatmap_at};
use crate::model::Model;
use crate::schedule::{PlannedPost, Score, SeriesEpisode, Violation};

/// A value the solver set to 1.
fn is_set(value: f64) -> bool {
    value > 0.5
}

/// A planned post read from the solution, before it gets its batch.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Chosen {
    pub slot: usize,
    pub post_type: usize,
}

/// The planned posts a solution sets, in time order.
pub(crate) fn chosen(model: &Model, values: &[f64]) -> Vec<Chosen> {
    model
        .time
        .iter()
        .enumerate()
        .filter_map(|(slot, x)| x.filter(|&x| is_set(values[x])).map(|_| slot))
        .filter_map(|slot| {
            post_type_at(model, values, slot).map(|post_type| Chosen { slot, post_type })
        })
        .collect()
}

/// Every post of the schedule, pinned ones included, in time order.
pub(crate) fn posts(
    instance: &Instance<'_>,
    chosen: &[Chosen],
    episodes: &HashMap<usize, SeriesEpisode>,
) -> Vec<PlannedPost> {
    let batches = assign_batches(instance, chosen);

    let mut posts: Vec<PlannedPost> = chosen
        .iter()
        .zip(batches)
        .map(|(post, batch)| planned_post(instance, post, batch, episodes.get(&post.slot).cloned()))
        .collect();
    posts.extend(pinned_posts(instance));
    posts.sort_by(|a, b| {
        a.start_time
            .cmp(&b.start_time)
            .then(b.pinned_id.is_some().cmp(&a.pinned_id.is_some()))
    });
    posts
}

/// The type of the post at `slot`: the one its transportation row sends it to (an integral
/// vertex, see [`crate::model`]); the largest share if the solver's tolerance blurred it.
fn post_type_at(model: &Model, values: &[f64], slot: usize) -> Option<usize> {
    let shares = model.assign[slot].iter();
    shares
        .max_by(|a, b| values[a.1].total_cmp(&values[b.1]).then(b.0.cmp(&a.0)))
        .map(|&(k, _)| k)
}

fn planned_post(
    instance: &Instance<'_>,
    post: &Chosen,
    batch: Option<usize>,
    series_episode: Option<SeriesEpisode>,
) -> PlannedPost {
    let slot = &instance.slots[post.slot];
    let post_type = instance.types[post.post_type];
    let request = instance.request;
    let start_time = instance.grid.slots[slot.grid_index].start;
    PlannedPost {
        start_time,
        local_time: instance.grid.local_time(start_time),
        pillar_id: request.pillars[post_type.pillar].id.clone(),
        format_id: instance.formats[post_type.format].id.clone(),
        batch_id: batch.map(|b| request.batches[b].id.clone()),
        series_episode,
        pinned_id: None,
        score: Score::new(
            slot.heatmap_value,
            request.pillars[post_type.pillar].weight,
            instance.formats[post_type.format].multiplier,
        ),
    }
}

fn pinned_posts<'a>(instance: &'a Instance<'a>) -> impl Iterator<Item = PlannedPost> + 'a {
    let request = instance.request;
    request
        .pinned_posts
        .iter()
        .zip(&instance.pinned)
        .map(move |(post, info)| PlannedPost {
            start_time: post.start_time,
            local_time: instance.grid.local_time(post.start_time),
            pillar_id: post.pillar_id.clone(),
            format_id: instance.formats[info.format].id.clone(),
            batch_id: post.batch_id.clone(),
            series_episode: None,
            pinned_id: Some(post.id.clone()),
            score: Score::new(
                heatmap_at(request, &instance.grid, post.start_time),
                request.pillars[info.pillar].weight,
                instance.formats[info.format].multiplier,
            ),
        })
}

/// Slot -> episode, numbering each series' episodes in time order.
pub(crate) fn episode_numbers(
    instance: &Instance<'_>,
    model: &Model,
    values: &[f64],
) -> HashMap<usize, SeriesEpisode> {
    let mut numbers = HashMap::new();
    for (i, episodes) in model.episodes.iter().enumerate() {
        let series = &instance.request.series[i];
        let placed = episodes.iter().filter(|(_, var)| is_set(values[*var]));
        for (n, &(slot, _)) in placed.enumerate() {
            let episode = SeriesEpisode {
                series_id: series.id.clone(),
                episode: n as u32 + 1,
                episodes: series.episodes,
            };
            numbers.insert(slot, episode);
        }
    }
    numbers
}

/// The batch that makes each post: a capacitated bipartite matching (augmenting paths), posts
/// and batches in a fixed order so the answer is deterministic. A post left over (only when an
/// elastic schedule overfills batches) takes the first batch that could make it.
fn assign_batches(instance: &Instance<'_>, chosen: &[Chosen]) -> Vec<Option<usize>> {
    if instance.batches.is_empty() {
        return vec![None; chosen.len()];
    }
    let eligible: Vec<Vec<usize>> = chosen
        .iter()
        .map(|post| {
            let at = instance.slots[post.slot].at;
            let post_type = &instance.types[post.post_type];
            let mut batches: Vec<usize> = (0..instance.batches.len())
                .filter(|&b| {
                    instance.batches[b].usable_at(at) && instance.batches[b].covers(post_type)
                })
                .collect();
            batches.sort_by_key(|&b| {
                (
                    instance.batches[b].expiry.unwrap_or(i64::MAX),
                    instance.batches[b].ready,
                    b,
                )
            });
            batches
        })
        .collect();
    let capacity: Vec<usize> = instance
        .batches
        .iter()
        .map(|b| b.capacity.max(0.0) as usize)
        .collect();
    let mut matching = Matching {
        eligible: &eligible,
        capacity,
        made: vec![vec![]; instance.batches.len()],
        of: vec![None; chosen.len()],
    };
    for (post, batches) in eligible.iter().enumerate() {
        let mut visited = vec![false; instance.batches.len()];
        if !matching.augment(post, &mut visited) {
            matching.of[post] = batches.first().copied();
        }
    }
    matching.of
}

struct Matching<'a> {
    eligible: &'a [Vec<usize>],
    capacity: Vec<usize>,
    /// Posts each batch makes.
    made: Vec<Vec<usize>>,
    of: Vec<Option<usize>>,
}

impl Matching<'_> {
    fn augment(&mut self, post: usize, visited: &mut [bool]) -> bool {
        for &batch in &self.eligible[post] {
            if visited[batch] {
                continue;
            }
            visited[batch] = true;
            if self.made[batch].len() < self.capacity[batch] {
                self.take(post, batch);
                return true;
            }
            let holders = self.made[batch].clone();
            for other in holders {
                if self.augment(other, visited) {
                    self.made[batch].retain(|&p| p != other);
                    self.take(post, batch);
                    return true;
                }
            }
        }
        false
    }

    fn take(&mut self, post: usize, batch: usize) {
        self.made[batch].push(post);
        self.of[post] = Some(batch);
    }
}

/// The rules an elastic schedule breaks, with their shortfalls.
pub(crate) fn violations(model: &Model, values: &[f64]) -> Vec<Violation> {
    model
        .soft
        .iter()
        .filter(|rule| is_set(values[rule.indicator]))
        .map(|rule| {
            let shortfall = (values[rule.slack] * 1e6).round() / 1e6;
            Violation {
                rule: rule.rule.clone(),
                message: format!(
                    "{}; the schedule misses it by {shortfall} {}",
                    rule.description, rule.unit
                ),
                shortfall,
            }
        })
        .collect()
}
