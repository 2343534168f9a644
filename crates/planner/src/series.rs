//! Series as rows of the [`Model`]: episodes of one pillar, in order, with bounded gaps.
//!
//! A binary `s[t]` marks a post at slot `t` as an episode; episodes are numbered in time order,
//! so no episode index is needed. With `E` episodes:
//! - `sum s = E`;
//! - minimum gap: at most one episode in every window shorter than `min_gap_hours` (cliques of
//!   an interval graph, as for the posting gap);
//! - maximum gap: every episode but the last has another within `max_gap_hours` after it:
//!   `s[t] - l[t] <= sum of s in (t, t + max]`, where `l[t] <= s[t]` and `sum l = 1`. Since only
//!   the last episode lacks a successor, `l` marks it; `l` may be continuous because, with `s`
//!   integral, the rows force it to 0 or 1.
//!
//! An episode is a planned post of the series' pillar at its slot: `sum of s at t <= x[t]` and
//! `s[t] <= sum of a[t, k] over the pillar's types`; a post serves at most one series. These
//! rows only bound flows through slot `t` in the block's transportation problem (see
//! [`crate::model`]), so its matrix stays totally unimodular. Slots outside the candidate mask
//! carry posts only as episodes.

use std::collections::HashMap;

use crate::instance::{HOUR_SECONDS, Instance};
use crate::model::{Model, SoftRule};
use crate::schedule::SeriesEpisode;

pub(crate) fn add_series(model: &mut Model, instance: &Instance<'_>) {
    let request = instance.request;
    model.episodes = vec![vec![]; request.series.len()];
    let mut links: Vec<Vec<(usize, usize)>> = vec![vec![]; instance.slots.len()];
    for (i, series) in request.series.iter().enumerate() {
        let Some(pillar) = request
            .pillars
            .iter()
            .position(|p| p.id == series.pillar_id)
        else {
            continue;
        };
        if series.episodes == 0 {
            continue;
        }
        let slots: Vec<usize> = (0..instance.slots.len())
            .filter(|&t| {
                model.assign[t]
                    .iter()
                    .any(|&(k, _)| instance.types[k].pillar == pillar)
            })
            .collect();
        let episodes: Vec<(usize, usize)> = slots
            .iter()
            .map(|&t| (t, model.add_var(0.0, 1.0, true, 0.0)))
            .collect();
        for &(t, s) in &episodes {
            links[t].push((pillar, s));
        }
        let dropped = add_one_series(model, instance, i, &episodes);
        model.episodes[i] = episodes;
        if dropped.is_none() && model.episodes[i].len() < series.episodes as usize && !model.elastic
        {
            model
                .broken_rule
                .get_or_insert(format!("series[{i}].episodes"));
        }
    }
    link_episodes_to_posts(model, instance, links);
}

/// Rows of series `i`; returns the indicator of the series being dropped, when elastic.
fn add_one_series(
    model: &mut Model,
    instance: &Instance<'_>,
    i: usize,
    episodes: &[(usize, usize)],
) -> Option<usize> {
    let series = &instance.request.series[i];
    let count = f64::from(series.episodes);
    let dropped = model
        .elastic
        .then(|| add_drop_indicator(model, i, &series.id, count));

    let mut total: Vec<(usize, f64)> = episodes.iter().map(|&(_, s)| (s, 1.0)).collect();
    if let Some(d) = dropped {
        total.push((d, count));
    }
    model.add_row(total, count, count);

    let (min_gap, max_gap) = gap_bounds(instance, i);
    add_min_gap(model, instance, episodes, min_gap);
    if series.max_gap_hours.is_some() {
        add_max_gap(model, instance, episodes, max_gap, dropped);
    }
    dropped
}

/// A binary that, when 1, waives the series; its slack is the number of episodes waived.
fn add_drop_indicator(model: &mut Model, i: usize, id: &str, count: f64) -> usize {
    let indicator = model.add_var(0.0, 1.0, true, 0.0);
    let slack = model.add_var(0.0, count, false, 0.0);
    model.add_row(vec![(slack, 1.0), (indicator, -count)], 0.0, 0.0);
    model.soft.push(SoftRule {
        rule: format!("series[{i}].episodes"),
        description: format!("series `{id}` needs {count} episodes within its gap bounds"),
        unit: "episodes",
        slack,
        indicator,
        row: None,
    });
    indicator
}

fn add_min_gap(model: &mut Model, instance: &Instance<'_>, episodes: &[(usize, usize)], gap: i64) {
    let at = |e: &(usize, usize)| instance.slots[e.0].at;
    let mut last_end = 0;
    for i in 0..episodes.len() {
        let end = i + episodes[i..]
            .iter()
            .take_while(|e| at(e) - at(&episodes[i]) < gap)
            .count();
        if end <= last_end {
            continue;
        }
        last_end = end;
        if end - i > 1 {
            let terms = episodes[i..end].iter().map(|&(_, s)| (s, 1.0)).collect();
            model.add_row(terms, f64::NEG_INFINITY, 1.0);
        }
    }
}

fn add_max_gap(
    model: &mut Model,
    instance: &Instance<'_>,
    episodes: &[(usize, usize)],
    max_gap: i64,
    dropped: Option<usize>,
) {
    let at = |e: &(usize, usize)| instance.slots[e.0].at;
    let mut last_marks: Vec<(usize, f64)> = Vec::with_capacity(episodes.len() + 1);
    for (i, &(_, s)) in episodes.iter().enumerate() {
        let last = model.add_var(0.0, 1.0, false, 0.0);
        last_marks.push((last, 1.0));
        model.add_row(vec![(last, 1.0), (s, -1.0)], f64::NEG_INFINITY, 0.0);

        let mut terms = vec![(s, 1.0), (last, -1.0)];
        let later = episodes[i + 1..]
            .iter()
            .take_while(|e| at(e) - at(&episodes[i]) <= max_gap);
        terms.extend(later.map(|&(_, next)| (next, -1.0)));
        model.add_row(terms, f64::NEG_INFINITY, 0.0);
    }
    if let Some(d) = dropped {
        last_marks.push((d, 1.0));
    }
    model.add_row(last_marks, 1.0, 1.0);
}

/// Episodes at a slot are posts of the series' pillar there; off the candidate mask, every post
/// at a slot is an episode.
fn link_episodes_to_posts(
    model: &mut Model,
    instance: &Instance<'_>,
    links: Vec<Vec<(usize, usize)>>,
) {
    for (t, episodes) in links.into_iter().enumerate() {
        let Some(x) = model.time[t] else { continue };
        if episodes.is_empty() {
            continue;
        }
        let mut pillars: Vec<usize> = episodes.iter().map(|&(pillar, _)| pillar).collect();
        pillars.sort_unstable();
        pillars.dedup();
        for pillar in pillars {
            let mut terms: Vec<(usize, f64)> = episodes
                .iter()
                .filter(|e| e.0 == pillar)
                .map(|&(_, s)| (s, 1.0))
                .collect();
            terms.extend(
                model.assign[t]
                    .iter()
                    .filter(|&&(k, _)| instance.types[k].pillar == pillar)
                    .map(|&(_, a)| (a, -1.0)),
            );
            model.add_row(terms, f64::NEG_INFINITY, 0.0);
        }
        let mut terms: Vec<(usize, f64)> = episodes.iter().map(|&(_, s)| (s, 1.0)).collect();
        terms.push((x, -1.0));
        if model.candidate[t] {
            model.add_row(terms, f64::NEG_INFINITY, 0.0);
        } else {
            model.add_row(terms, 0.0, 0.0);
        }
    }
}

/// Least and greatest time between consecutive episodes of series `i`, in seconds.
fn gap_bounds(instance: &Instance<'_>, i: usize) -> (i64, i64) {
    let series = &instance.request.series[i];
    let min = series
        .min_gap_hours
        .map_or(0, |h| (h * HOUR_SECONDS as f64).ceil() as i64);
    let max = series
        .max_gap_hours
        .map_or(i64::MAX, |h| (h * HOUR_SECONDS as f64).floor() as i64);
    (min.max(instance.gap), max)
}

/// Episodes for every series among `posts` (slot, pillar) of a schedule planned without series
/// rows, if its posts already hold each series in order within its gaps; `None` otherwise.
///
/// For each series in turn, the earliest-ending chain of its pillar's unused posts with every
/// consecutive gap within bounds: a longest-chain pass over the posts in time order (a chain
/// longer than the episode count contains one of exactly that count).
pub(crate) fn find_chains(
    instance: &Instance<'_>,
    posts: &[(usize, usize)],
) -> Option<HashMap<usize, SeriesEpisode>> {
    let request = instance.request;
    let mut episodes = HashMap::new();
    for (i, series) in request.series.iter().enumerate() {
        let wanted = series.episodes as usize;
        if wanted == 0 {
            continue;
        }
        let pillar = request
            .pillars
            .iter()
            .position(|p| p.id == series.pillar_id)?;
        let mut slots: Vec<usize> = posts
            .iter()
            .filter(|&&(slot, p)| p == pillar && !episodes.contains_key(&slot))
            .map(|&(slot, _)| slot)
            .collect();
        slots.sort_unstable();
        let chain = longest_chain(instance, &slots, gap_bounds(instance, i), wanted)?;
        for (n, slot) in chain.into_iter().enumerate() {
            let episode = SeriesEpisode {
                series_id: series.id.clone(),
                episode: n as u32 + 1,
                episodes: series.episodes,
            };
            episodes.insert(slot, episode);
        }
    }
    Some(episodes)
}

/// The first chain of `wanted` slots (in time order) with consecutive gaps in `[min, max]`.
fn longest_chain(
    instance: &Instance<'_>,
    slots: &[usize],
    (min, max): (i64, i64),
    wanted: usize,
) -> Option<Vec<usize>> {
    let at = |i: usize| instance.slots[slots[i]].at;
    let mut length = vec![1usize; slots.len()];
    let mut previous: Vec<Option<usize>> = vec![None; slots.len()];
    for i in 0..slots.len() {
        for j in 0..i {
            let gap = at(i) - at(j);
            if gap >= min && gap <= max && length[j] + 1 > length[i] {
                length[i] = (length[j] + 1).min(wanted);
                previous[i] = Some(j);
            }
        }
        if length[i] >= wanted {
            let mut chain = vec![slots[i]];
            let mut cursor = previous[i];
            while let (Some(j), true) = (cursor, chain.len() < wanted) {
                chain.push(slots[j]);
                cursor = previous[j];
            }
            chain.reverse();
            return Some(chain);
        }
    }
    None
}
