//! The counting rules of a request as rows of the [`Model`]: pillar and format quotas and shares,
//! posts per ISO week and per day, campaigns, themed days and batch capacity.
//!
//! Pinned posts enter every count as constants. Each rule goes through [`Model::rule`], which
//! writes it hard or, when violations are allowed, with a slack and an indicator.
//!
//! Partial ISO weeks at the edges of the horizon scale their bounds by the share of the week's
//! local days that are days of the horizon (see [`crate::grid`]): the minimum rounded down, the
//! maximum rounded up, so that a week cut short never asks for more than a full week would.

use std::collections::BTreeMap;

use crate::instance::Instance;
use crate::model::{Bound, Model, RuleMeta};

pub(crate) fn add_counting_rules(model: &mut Model, instance: &Instance<'_>) {
    add_total_choice(model, instance);
    add_pillar_rules(model, instance);
    add_format_rules(model, instance);
    add_week_rules(model, instance);
    add_day_rules(model, instance);
    add_campaign_rules(model, instance);
    add_themed_days(model, instance);
    add_batch_capacity(model, instance);
}

/// Scaled (minimum, maximum) of a week with `days` of its 7 days in the horizon.
pub(crate) fn week_bounds(
    min: Option<u32>,
    max: Option<u32>,
    days: usize,
) -> (Option<u32>, Option<u32>) {
    let scale = |bound: u32| f64::from(bound) * days as f64 / 7.0;
    (
        min.map(|m| scale(m).floor() as u32),
        max.map(|m| scale(m).ceil() as u32),
    )
}

fn add_pillar_rules(model: &mut Model, instance: &Instance<'_>) {
    let total_pinned = instance.pinned.len() as f64;
    for (i, pillar) in instance.request.pillars.iter().enumerate() {
        let terms = model.count_terms(|c| instance.types[c.post_type].pillar == i);
        let pinned = instance.pinned.iter().filter(|p| p.pillar == i).count() as f64;
        let name = &pillar.id;
        if let Some(min) = pillar.min_posts {
            let meta = RuleMeta::posts(
                format!("pillars[{i}].min_posts"),
                format!("pillar `{name}` needs at least {min} posts"),
            );
            model.rule(meta, terms.clone(), pinned, Bound::AtLeast(f64::from(min)));
        }
        if let Some(max) = pillar.max_posts {
            let meta = RuleMeta::posts(
                format!("pillars[{i}].max_posts"),
                format!("pillar `{name}` allows at most {max} posts"),
            );
            model.rule(meta, terms.clone(), pinned, Bound::AtMost(f64::from(max)));
        }
        let share = Share {
            index: i,
            name,
            pinned,
            total_pinned,
            kind: "pillars",
            noun: "pillar",
        };
        add_share_rules(model, &share, pillar.min_share, pillar.max_share, |c| {
            instance.types[c.post_type].pillar == i
        });
    }
}

fn add_format_rules(model: &mut Model, instance: &Instance<'_>) {
    let total_pinned = instance.pinned.len() as f64;
    for (i, format) in instance.request.formats.iter().enumerate() {
        let pinned = instance.pinned.iter().filter(|p| p.format == i).count() as f64;
        let share = Share {
            index: i,
            name: &format.id,
            pinned,
            total_pinned,
            kind: "formats",
            noun: "format",
        };
        add_share_rules(model, &share, format.min_share, format.max_share, |c| {
            instance.types[c.post_type].format == i
        });
    }
}

/// One pillar or format whose share of all posts is bounded.
struct Share<'a> {
    index: usize,
    name: &'a str,
    pinned: f64,
    total_pinned: f64,
    kind: &'static str,
    noun: &'static str,
}

/// Largest number of planned posts for which the total is modelled by one binary per value.
const MAX_TOTAL_CHOICES: usize = 400;

/// `count >= share x total` (or `<=`). When the number of posts can take few values, a binary
/// `y[N]` picks the total `N` and the bound becomes `count >= sum ceil(share x N) y[N]`: exact
/// for an integer count, and a far tighter relaxation than `count >= share x total`, whose
/// fractional solutions otherwise make the branch and bound enumerate near-equal roundings.
fn add_share_rules(
    model: &mut Model,
    share: &Share<'_>,
    min: Option<f64>,
    max: Option<f64>,
    member: impl Fn(&crate::model::CountVar) -> bool,
) {
    let bounds = [
        (min, "min_share", "at least", true),
        (max, "max_share", "at most", false),
    ];
    for (fraction, field, words, is_min) in bounds {
        let Some(fraction) = fraction else { continue };
        let meta = RuleMeta::posts(
            format!("{}[{}].{field}", share.kind, share.index),
            format!(
                "{} `{}` needs {words} {:.0}% of all posts",
                share.noun,
                share.name,
                fraction * 100.0
            ),
        );
        let Some(choices) = model.total_choice.clone() else {
            let terms: Vec<(usize, f64)> = model
                .counts
                .iter()
                .map(|c| (c.var, if member(c) { 1.0 - fraction } else { -fraction }))
                .filter(|(_, c)| *c != 0.0)
                .collect();
            let constant = share.pinned - fraction * share.total_pinned;
            let bound = if is_min {
                Bound::AtLeast(0.0)
            } else {
                Bound::AtMost(0.0)
            };
            model.rule(meta, terms, constant, bound);
            continue;
        };
        let mut terms = model.count_terms(|c| member(c));
        for (planned, y) in choices {
            let total = planned as f64 + share.total_pinned;
            let rounded = if is_min {
                (fraction * total - 1e-9).ceil()
            } else {
                (fraction * total + 1e-9).floor()
            };
            terms.push((y, -rounded));
        }
        let bound = if is_min {
            Bound::AtLeast(0.0)
        } else {
            Bound::AtMost(0.0)
        };
        model.rule(meta, terms, share.pinned, bound);
    }
}

/// Adds `y[N]` for every possible number `N` of planned posts when shares are bounded and the
/// range is small: `sum y = 1`, `sum x = sum N y[N]`.
fn add_total_choice(model: &mut Model, instance: &Instance<'_>) {
    let request = instance.request;
    let has_shares = request
        .pillars
        .iter()
        .any(|p| p.min_share.is_some() || p.max_share.is_some())
        || request
            .formats
            .iter()
            .any(|f| f.min_share.is_some() || f.max_share.is_some());
    let most = most_planned_posts(model, instance);
    if !has_shares || most > MAX_TOTAL_CHOICES {
        return;
    }
    let mut pick = Vec::with_capacity(most + 1);
    let mut total = model.time_terms(|_| true);
    let choices: Vec<(usize, usize)> = (0..=most)
        .map(|planned| {
            let y = model.add_var(0.0, 1.0, true, 0.0);
            pick.push((y, 1.0));
            total.push((y, -(planned as f64)));
            (planned, y)
        })
        .collect();
    model.add_row(pick, 1.0, 1.0);
    model.add_row(total, 0.0, 0.0);
    model.total_choice = Some(choices);
}

/// An upper bound on the number of planned posts: the kept slots that are pairwise a gap
/// apart, and the weekly and daily maximums when the rules are hard.
fn most_planned_posts(model: &Model, instance: &Instance<'_>) -> usize {
    let mut packed = 0;
    let mut last: Option<i64> = None;
    for (t, x) in model.time.iter().enumerate() {
        let at = instance.slots[t].at;
        if x.is_some() && last.is_none_or(|l| at - l >= instance.gap) {
            packed += 1;
            last = Some(at);
        }
    }
    if model.elastic {
        return packed;
    }
    let frequency = &instance.request.frequency;
    let days = instance.grid.days.len();
    let daily = frequency.max_posts_per_day.map_or(usize::MAX, |max| {
        (0..days)
            .map(|d| (max as usize).saturating_sub(instance.pinned_on_day(d)))
            .sum()
    });
    let weekly = frequency.max_posts_per_week.map_or(usize::MAX, |max| {
        let mut weeks: BTreeMap<(i32, u32), Vec<usize>> = BTreeMap::new();
        for (d, day) in instance.grid.days.iter().enumerate() {
            weeks
                .entry((day.week.year(), day.week.week()))
                .or_default()
                .push(d);
        }
        weeks
            .values()
            .map(|days| {
                let (_, cap) = week_bounds(None, Some(max), days.len());
                let pinned: usize = days.iter().map(|&d| instance.pinned_on_day(d)).sum();
                (cap.unwrap_or(0) as usize).saturating_sub(pinned)
            })
            .sum()
    });
    packed.min(daily).min(weekly)
}

fn add_week_rules(model: &mut Model, instance: &Instance<'_>) {
    let frequency = &instance.request.frequency;
    if frequency.min_posts_per_week.is_none() && frequency.max_posts_per_week.is_none() {
        return;
    }
    let mut weeks: BTreeMap<(i32, u32), Vec<usize>> = BTreeMap::new();
    for (d, day) in instance.grid.days.iter().enumerate() {
        weeks
            .entry((day.week.year(), day.week.week()))
            .or_default()
            .push(d);
    }
    for ((year, week), days) in weeks {
        let label = format!("{year}-W{week:02}");
        let terms = model.time_terms(|t| days.contains(&instance.slots[t].day));
        let pinned: usize = days.iter().map(|&d| instance.pinned_on_day(d)).sum();
        let (min, max) = week_bounds(
            frequency.min_posts_per_week,
            frequency.max_posts_per_week,
            days.len(),
        );
        if let Some(min) = min {
            let meta = RuleMeta::posts(
                format!("frequency.min_posts_per_week[{label}]"),
                format!(
                    "week {label} needs at least {min} posts ({} of its days in the horizon)",
                    days.len()
                ),
            );
            model.rule(
                meta,
                terms.clone(),
                pinned as f64,
                Bound::AtLeast(f64::from(min)),
            );
        }
        if let Some(max) = max {
            let meta = RuleMeta::posts(
                format!("frequency.max_posts_per_week[{label}]"),
                format!("week {label} allows at most {max} posts"),
            );
            model.rule(meta, terms, pinned as f64, Bound::AtMost(f64::from(max)));
        }
    }
}

/// The daily maximum stays hard when violations are allowed: it shapes which slots are kept
/// (see [`crate::candidates`]) and its big-M relaxation would let the linear relaxation spread
/// posts over every hour. Pinned posts alone may exceed it; then the day takes no more.
fn add_day_rules(model: &mut Model, instance: &Instance<'_>) {
    let Some(max) = instance.request.frequency.max_posts_per_day else {
        return;
    };
    for (d, day) in instance.grid.days.iter().enumerate() {
        if instance.pinned_on_day(d) > max as usize && !model.elastic {
            model
                .broken_rule
                .get_or_insert(format!("frequency.max_posts_per_day[{}]", day.date));
        }
        let terms = model.time_terms(|t| instance.slots[t].day == d);
        let room = (max as usize).saturating_sub(instance.pinned_on_day(d));
        if terms.len() > room {
            model.add_row(terms, f64::NEG_INFINITY, room as f64);
        }
    }
}

fn add_campaign_rules(model: &mut Model, instance: &Instance<'_>) {
    let block_first = first_slot_of_blocks(instance);
    let pillar_index = |id: &String| instance.request.pillars.iter().position(|p| &p.id == id);
    for (i, campaign) in instance.request.campaigns.iter().enumerate() {
        let pillars: Vec<usize> = campaign
            .pillar_ids
            .iter()
            .filter_map(pillar_index)
            .collect();
        let (start, end) = (campaign.start.timestamp(), campaign.end.timestamp());
        // Campaign edges are block boundaries, so a block is inside the window or outside it.
        let terms = model.count_terms(|c| {
            let at = instance.slots[block_first[c.block]].at;
            let pillar = instance.types[c.post_type].pillar;
            start <= at && at < end && (pillars.is_empty() || pillars.contains(&pillar))
        });
        let pinned = instance.pinned_in(start, end, &pillars) as f64;
        let name = &campaign.id;
        if let Some(min) = campaign.min_posts {
            let meta = RuleMeta::posts(
                format!("campaigns[{i}].min_posts"),
                format!("campaign `{name}` needs at least {min} posts in its window"),
            );
            model.rule(meta, terms.clone(), pinned, Bound::AtLeast(f64::from(min)));
        }
        if let Some(max) = campaign.max_posts {
            let meta = RuleMeta::posts(
                format!("campaigns[{i}].max_posts"),
                format!("campaign `{name}` allows at most {max} posts in its window"),
            );
            model.rule(meta, terms, pinned, Bound::AtMost(f64::from(max)));
        }
    }
}

fn add_themed_days(model: &mut Model, instance: &Instance<'_>) {
    use chrono::Datelike;
    let block_first = first_slot_of_blocks(instance);
    let request = instance.request;
    for (j, themed) in request.themed_days.iter().enumerate() {
        let Some(pillar) = request
            .pillars
            .iter()
            .position(|p| p.id == themed.pillar_id)
        else {
            continue;
        };
        for (d, day) in instance.grid.days.iter().enumerate() {
            if day.date.weekday() != themed.weekday || !day.whole {
                continue;
            }
            let pinned = instance
                .pinned
                .iter()
                .filter(|p| p.day == Some(d) && p.pillar == pillar)
                .count();
            // A themed day's midnights are block boundaries, so its blocks lie inside it.
            let terms = model.count_terms(|c| {
                instance.slots[block_first[c.block]].day == d
                    && instance.types[c.post_type].pillar == pillar
            });
            let meta = RuleMeta::posts(
                format!("themed_days[{j}][{}]", day.date),
                format!(
                    "themed day `{}` needs a post of pillar `{}` on {} {}",
                    themed.name, themed.pillar_id, themed.weekday, day.date
                ),
            );
            model.rule(meta, terms, pinned as f64, Bound::AtLeast(1.0));
        }
    }
}

/// Index of the first slot of every block.
fn first_slot_of_blocks(instance: &Instance<'_>) -> Vec<usize> {
    let mut first = vec![0; instance.block_count];
    for (t, slot) in instance.slots.iter().enumerate().rev() {
        first[slot.block] = t;
    }
    first
}

/// Each planned post is made by a batch usable at its slot that covers its type. The posts of
/// one type in one block have the same possible batches (batch ready and expiry instants are
/// block boundaries); when there are several, continuous variables split the count among them,
/// which is exact because a transportation problem with integer supplies has an integer
/// solution whenever it has one.
fn add_batch_capacity(model: &mut Model, instance: &Instance<'_>) {
    if instance.batches.is_empty() {
        return;
    }
    let families = if model.elastic {
        None
    } else {
        batch_families(instance)
    };
    if let Some(families) = families {
        add_batch_hall(model, instance, &families);
        return;
    }
    let block_first = first_slot_of_blocks(instance);
    let mut usage: Vec<Vec<(usize, f64)>> = vec![vec![]; instance.batches.len()];
    let counts = model.counts.clone();
    for count in counts {
        let at = instance.slots[block_first[count.block]].at;
        let post_type = &instance.types[count.post_type];
        let batches: Vec<usize> = (0..instance.batches.len())
            .filter(|&b| instance.batches[b].usable_at(at) && instance.batches[b].covers(post_type))
            .collect();
        if let [only] = batches[..] {
            usage[only].push((count.var, 1.0));
            continue;
        }
        let most = model.vars[count.var].upper;
        let mut split = vec![(count.var, -1.0)];
        for &b in &batches {
            let share = model.add_var(0.0, most, false, 0.0);
            usage[b].push((share, 1.0));
            split.push((share, 1.0));
        }
        model.add_row(split, 0.0, 0.0);
    }

    for (b, terms) in usage.into_iter().enumerate() {
        let batch = &instance.request.batches[b];
        let meta = RuleMeta {
            rule: format!("batches[{b}].capacity"),
            description: format!("batch `{}` makes {} videos", batch.id, batch.capacity),
            unit: "videos",
        };
        model.rule(
            meta,
            terms,
            0.0,
            Bound::AtMost(instance.batches[b].capacity),
        );
    }
}

/// Batches that cover the same pillars and formats, in ready order.
#[derive(Debug)]
struct Family {
    batches: Vec<usize>,
}

/// The batches grouped into families when every post type is made by one family only and the
/// batches of a family expire in the order they become ready; `None` otherwise.
fn batch_families(instance: &Instance<'_>) -> Option<Vec<Family>> {
    let mut keyed: BTreeMap<(Vec<usize>, Vec<usize>), Vec<usize>> = BTreeMap::new();
    for (b, batch) in instance.batches.iter().enumerate() {
        let (mut pillars, mut formats) = (batch.pillars.clone(), batch.formats.clone());
        pillars.sort_unstable();
        formats.sort_unstable();
        keyed.entry((pillars, formats)).or_default().push(b);
    }
    let families: Vec<Family> = keyed
        .into_values()
        .map(|mut batches| {
            batches.sort_by_key(|&b| (instance.batches[b].ready, b));
            Family { batches }
        })
        .collect();

    let one_family_per_type = instance.types.iter().all(|post_type| {
        families
            .iter()
            .filter(|f| instance.batches[f.batches[0]].covers(post_type))
            .count()
            <= 1
    });
    let expiry_in_ready_order = families.iter().all(|family| {
        let windows: Vec<Option<i64>> = family
            .batches
            .iter()
            .map(|&b| {
                instance.batches[b]
                    .expiry
                    .map(|e| e - instance.batches[b].ready)
            })
            .collect();
        windows.windows(2).all(|w| w[0] == w[1])
    });
    (one_family_per_type && expiry_in_ready_order).then_some(families)
}

/// Batch capacity by Hall's condition. Within a family, the batches that can make a post at
/// `t` are a contiguous run in ready order (those ready by `t` and not yet expired), so the
/// bipartite graph of posts and batches is convex and a matching exists if and only if, for
/// every run `i..=j` of batches, the posts that only those batches can make fit their total
/// capacity. Those posts are the family's posts from the expiry of batch `i - 1` (or the
/// start) to the ready time of batch `j + 1` (or the end), and batch instants are block
/// boundaries, so each row sums whole blocks. Without expiry only the runs starting at the
/// first batch matter.
fn add_batch_hall(model: &mut Model, instance: &Instance<'_>, families: &[Family]) {
    let block_first = first_slot_of_blocks(instance);
    for family in families {
        let batches = &family.batches;
        let expiring = batches
            .iter()
            .any(|&b| instance.batches[b].expiry.is_some());
        let first_runs = if expiring { batches.len() } else { 1 };
        for i in 0..first_runs {
            let from = if i == 0 {
                i64::MIN
            } else {
                instance.batches[batches[i - 1]].expiry.unwrap_or(i64::MIN)
            };
            let mut capacity = 0.0;
            for j in i..batches.len() {
                capacity += instance.batches[batches[j]].capacity;
                let to = batches
                    .get(j + 1)
                    .map_or(i64::MAX, |&next| instance.batches[next].ready);
                if from >= to {
                    continue;
                }
                let made_by = instance.batches[batches[0]].clone();
                let terms = model.count_terms(|c| {
                    let at = instance.slots[block_first[c.block]].at;
                    from <= at && at < to && made_by.covers(&instance.types[c.post_type])
                });
                let names: Vec<&str> = batches[i..=j]
                    .iter()
                    .map(|&b| instance.request.batches[b].id.as_str())
                    .collect();
                let meta = RuleMeta {
                    rule: format!("batches[{}].capacity", batches[j]),
                    description: format!("batches {} make {capacity} videos", names.join(", ")),
                    unit: "videos",
                };
                model.rule(meta, terms, 0.0, Bound::AtMost(capacity));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::week_bounds;

    #[test]
    fn partial_weeks_scale_min_down_and_max_up() {
        assert_eq!(week_bounds(Some(4), Some(6), 7), (Some(4), Some(6)));
        // 3 of 7 days: 4 x 3/7 = 1.71 -> 1; 6 x 3/7 = 2.57 -> 3.
        assert_eq!(week_bounds(Some(4), Some(6), 3), (Some(1), Some(3)));
        // 1 day: 5/7 -> 0 and 1.
        assert_eq!(week_bounds(Some(5), Some(5), 1), (Some(0), Some(1)));
        assert_eq!(week_bounds(None, Some(7), 2), (None, Some(2)));
    }
}
