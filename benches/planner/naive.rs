//! The baseline the planner is measured against: the textbook model with one binary per
//! slot x pillar x format, written here apart from the planner and solved by HiGHS.
//!
//! It states the rules the benchmark scenarios use, each in its most direct form: at most one
//! post in any window as long as the minimum gap, per-day and per-ISO-week counts (partial weeks
//! scaled as the planner's contract says), pillar and format quotas and shares, campaign
//! counts, batches as a transportation of videos to slots (a continuous share of each slot's
//! post per batch that is ready and not stale there), and a series as one binary per episode
//! and slot with episode times bounded by the gap limits. Themed days, blackouts and pinned
//! posts are not modelled; [`solve`] refuses a request that has any, rather than solve another
//! problem than the planner does.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, IsoWeek, NaiveDate, TimeDelta, Timelike, Utc};
use chrono_tz::Tz;
use good_lp::solvers::highs::highs;
use good_lp::{
    Expression, ProblemVariables, Solution, SolverModel, Variable, constraint, variable,
};
use slotwise_planner::{Format, PlanRequest};

/// What the baseline found.
#[derive(Debug, Clone, Copy)]
pub struct NaiveOutcome {
    pub objective: f64,
    pub posts: usize,
    pub binaries: usize,
    pub constraints: usize,
}

struct Slot {
    at: DateTime<Utc>,
    day: NaiveDate,
    week: IsoWeek,
    hour_of_week: usize,
    hours_from_start: f64,
}

/// A pillar and a format that may be posted together, by index; `None` is the implicit format.
#[derive(Clone, Copy)]
struct Pair {
    pillar: usize,
    format: Option<usize>,
}

struct Model {
    variables: ProblemVariables,
    constraints: Vec<good_lp::Constraint>,
    binaries: usize,
}

impl Model {
    fn binary(&mut self) -> Variable {
        self.binaries += 1;
        self.variables.add(variable().binary())
    }

    fn require(&mut self, constraint: good_lp::Constraint) {
        self.constraints.push(constraint);
    }
}

/// Solves `request` with the naive model to within `relative_gap`.
pub fn solve(request: &PlanRequest, relative_gap: f32) -> Result<NaiveOutcome, String> {
    if !request.themed_days.is_empty()
        || !request.blackouts.is_empty()
        || !request.pinned_posts.is_empty()
    {
        return Err("the naive baseline models no themed days, blackouts or pinned posts".into());
    }
    let zone: Tz = request
        .horizon
        .time_zone
        .parse()
        .map_err(|_| "unknown time zone")?;
    let slots = grid(request, zone);
    let pairs = pairs(request);
    let mut model = Model {
        variables: ProblemVariables::new(),
        constraints: Vec::new(),
        binaries: 0,
    };

    let x: Vec<Vec<Variable>> = slots
        .iter()
        .map(|_| pairs.iter().map(|_| model.binary()).collect())
        .collect();
    let posts: Vec<Expression> = x.iter().map(|row| row.iter().copied().sum()).collect();

    add_gap_windows(&mut model, request, &slots, &posts);
    add_day_and_week_counts(&mut model, request, &slots, &posts);
    add_quotas(&mut model, request, &pairs, &x, &posts);
    add_campaigns(&mut model, request, &slots, &pairs, &x);
    add_batches(&mut model, request, &slots, &pairs, &x, &posts);
    add_series(&mut model, request, &slots, &pairs, &x);

    let scores = scores(request, &slots, &pairs);
    let objective: Expression = x
        .iter()
        .flatten()
        .zip(scores.iter().flatten())
        .map(|(v, s)| *s * *v)
        .sum();
    solve_model(model, objective, &x, &scores, relative_gap)
}

fn solve_model(
    model: Model,
    objective: Expression,
    x: &[Vec<Variable>],
    scores: &[Vec<f64>],
    relative_gap: f32,
) -> Result<NaiveOutcome, String> {
    let constraints = model.constraints.len();
    let binaries = model.binaries;
    let mut problem = highs(model.variables.maximise(objective))
        .set_mip_rel_gap(relative_gap)
        .map_err(|error| error.to_string())?
        .set_time_limit(120.0);
    problem.set_verbose(false);
    for constraint in model.constraints {
        problem.add_constraint(constraint);
    }
    let solution = problem.solve().map_err(|error| error.to_string())?;

    let chosen = x.iter().flatten().zip(scores.iter().flatten());
    let (mut objective, mut posts) = (0.0, 0);
    for (variable, score) in chosen {
        if solution.value(*variable) > 0.5 {
            objective += score;
            posts += 1;
        }
    }
    Ok(NaiveOutcome {
        objective,
        posts,
        binaries,
        constraints,
    })
}

/// Slot starts on the local grid from the horizon's start, each real instant once: a skipped
/// local hour has none, a repeated one has two.
fn grid(request: &PlanRequest, zone: Tz) -> Vec<Slot> {
    let horizon = &request.horizon;
    let step = TimeDelta::minutes(i64::from(horizon.slot_minutes));
    let mut slots = Vec::new();
    let mut at = horizon.start;
    while at < horizon.end {
        let local = at.with_timezone(&zone);
        if (local.hour() * 60 + local.minute()).is_multiple_of(horizon.slot_minutes) {
            slots.push(Slot {
                at,
                day: local.date_naive(),
                week: local.date_naive().iso_week(),
                hour_of_week: (local.weekday().num_days_from_monday() * 24 + local.hour()) as usize,
                hours_from_start: (at - horizon.start).num_minutes() as f64 / 60.0,
            });
        }
        at += step;
    }
    slots
}

fn pairs(request: &PlanRequest) -> Vec<Pair> {
    let allows = |format: &Format, pillar: &str| {
        format.pillar_ids.is_empty() || format.pillar_ids.iter().any(|id| id == pillar)
    };
    let mut pairs = Vec::new();
    for (p, pillar) in request.pillars.iter().enumerate() {
        if request.formats.is_empty() {
            pairs.push(Pair {
                pillar: p,
                format: None,
            });
        }
        for (f, format) in request.formats.iter().enumerate() {
            if allows(format, &pillar.id) {
                pairs.push(Pair {
                    pillar: p,
                    format: Some(f),
                });
            }
        }
    }
    pairs
}

fn scores(request: &PlanRequest, slots: &[Slot], pairs: &[Pair]) -> Vec<Vec<f64>> {
    let multiplier = |pair: &Pair| pair.format.map_or(1.0, |f| request.formats[f].multiplier);
    slots
        .iter()
        .map(|slot| {
            let heat = request.heatmap[slot.hour_of_week];
            pairs
                .iter()
                .map(|pair| heat * request.pillars[pair.pillar].weight * multiplier(pair))
                .collect()
        })
        .collect()
}

/// At most one post starts in any stretch as long as the minimum gap (one slot when it is 0).
fn add_gap_windows(model: &mut Model, request: &PlanRequest, slots: &[Slot], posts: &[Expression]) {
    let gap = TimeDelta::minutes(i64::from(request.frequency.min_gap_minutes.max(1)));
    for (i, slot) in slots.iter().enumerate() {
        let window: Expression = (i..slots.len())
            .take_while(|&j| slots[j].at < slot.at + gap)
            .map(|j| posts[j].clone())
            .sum();
        model.require(constraint!(window <= 1));
    }
}

fn add_day_and_week_counts(
    model: &mut Model,
    request: &PlanRequest,
    slots: &[Slot],
    posts: &[Expression],
) {
    let frequency = &request.frequency;
    let mut per_day: BTreeMap<NaiveDate, Expression> = BTreeMap::new();
    let mut per_week: BTreeMap<IsoWeek, Expression> = BTreeMap::new();
    let mut days_of_week: BTreeMap<IsoWeek, Vec<NaiveDate>> = BTreeMap::new();
    for (slot, post) in slots.iter().zip(posts) {
        *per_day.entry(slot.day).or_default() += post.clone();
        *per_week.entry(slot.week).or_default() += post.clone();
        let days = days_of_week.entry(slot.week).or_default();
        if !days.contains(&slot.day) {
            days.push(slot.day);
        }
    }

    if let Some(max) = frequency.max_posts_per_day {
        for count in per_day.into_values() {
            model.require(constraint!(count <= f64::from(max)));
        }
    }
    for (week, count) in per_week {
        let days = days_of_week[&week].len() as u32;
        if let Some(min) = frequency.min_posts_per_week {
            model.require(constraint!(count.clone() >= f64::from(min * days / 7)));
        }
        if let Some(max) = frequency.max_posts_per_week {
            model.require(constraint!(count <= f64::from((max * days).div_ceil(7))));
        }
    }
}

fn add_quotas(
    model: &mut Model,
    request: &PlanRequest,
    pairs: &[Pair],
    x: &[Vec<Variable>],
    posts: &[Expression],
) {
    let total: Expression = posts.iter().cloned().sum();
    let count = |keep: &dyn Fn(&Pair) -> bool| -> Expression {
        x.iter()
            .flat_map(|row| {
                row.iter()
                    .zip(pairs)
                    .filter(|(_, pair)| keep(pair))
                    .map(|(v, _)| *v)
            })
            .sum()
    };

    for (p, pillar) in request.pillars.iter().enumerate() {
        let posts_of_pillar = count(&|pair: &Pair| pair.pillar == p);
        bound_count(model, &posts_of_pillar, pillar.min_posts, pillar.max_posts);
        bound_share(
            model,
            &posts_of_pillar,
            &total,
            pillar.min_share,
            pillar.max_share,
        );
    }
    for (f, format) in request.formats.iter().enumerate() {
        let posts_of_format = count(&|pair: &Pair| pair.format == Some(f));
        bound_share(
            model,
            &posts_of_format,
            &total,
            format.min_share,
            format.max_share,
        );
    }
}

fn bound_count(model: &mut Model, count: &Expression, min: Option<u32>, max: Option<u32>) {
    if let Some(min) = min {
        model.require(constraint!(count.clone() >= f64::from(min)));
    }
    if let Some(max) = max {
        model.require(constraint!(count.clone() <= f64::from(max)));
    }
}

fn bound_share(
    model: &mut Model,
    count: &Expression,
    total: &Expression,
    min: Option<f64>,
    max: Option<f64>,
) {
    if let Some(min) = min {
        model.require(constraint!(count.clone() >= min * total.clone()));
    }
    if let Some(max) = max {
        model.require(constraint!(count.clone() <= max * total.clone()));
    }
}

fn add_campaigns(
    model: &mut Model,
    request: &PlanRequest,
    slots: &[Slot],
    pairs: &[Pair],
    x: &[Vec<Variable>],
) {
    for campaign in &request.campaigns {
        let counts = |pair: &Pair| {
            let pillar = &request.pillars[pair.pillar].id;
            campaign.pillar_ids.is_empty() || campaign.pillar_ids.contains(pillar)
        };
        let inside = |slot: &Slot| campaign.start <= slot.at && slot.at < campaign.end;
        let count: Expression = slots
            .iter()
            .zip(x)
            .filter(|(slot, _)| inside(slot))
            .flat_map(|(_, row)| {
                row.iter()
                    .zip(pairs)
                    .filter(|(_, p)| counts(p))
                    .map(|(v, _)| *v)
            })
            .sum();
        bound_count(model, &count, campaign.min_posts, campaign.max_posts);
    }
}

/// Every post takes its video from a batch ready and fresh at its slot that covers its pillar
/// and format; no batch gives more videos than its capacity.
fn add_batches(
    model: &mut Model,
    request: &PlanRequest,
    slots: &[Slot],
    pairs: &[Pair],
    x: &[Vec<Variable>],
    posts: &[Expression],
) {
    if request.batches.is_empty() {
        return;
    }
    let mut used: Vec<Expression> = vec![Expression::default(); request.batches.len()];
    for (s, slot) in slots.iter().enumerate() {
        let mut supplied = Expression::default();
        for (b, batch) in request.batches.iter().enumerate() {
            let stale = batch
                .use_within_days
                .is_some_and(|days| slot.at >= batch.ready_at + TimeDelta::days(days.into()));
            if slot.at < batch.ready_at || stale {
                continue;
            }
            let share = model.variables.add(variable().min(0.0).max(1.0));
            let covered: Expression = pairs
                .iter()
                .zip(&x[s])
                .filter(|(pair, _)| batch_covers(request, batch, pair))
                .map(|(_, v)| *v)
                .sum();
            model.require(constraint!(share <= covered));
            supplied += share;
            used[b] += share;
        }
        model.require(constraint!(supplied == posts[s].clone()));
    }
    for (batch, count) in request.batches.iter().zip(used) {
        model.require(constraint!(count <= f64::from(batch.capacity)));
    }
}

fn batch_covers(request: &PlanRequest, batch: &slotwise_planner::Batch, pair: &Pair) -> bool {
    let pillar = &request.pillars[pair.pillar].id;
    let format = pair.format.map(|f| &request.formats[f].id);
    let pillar_ok = batch.pillar_ids.is_empty() || batch.pillar_ids.contains(pillar);
    let format_ok =
        batch.format_ids.is_empty() || format.is_some_and(|id| batch.format_ids.contains(id));
    pillar_ok && format_ok
}

/// Episode k is one slot holding a post of the series' pillar. Order and gaps are stated on
/// running counts (has episode k happened by slot s?), the usual strong form: episode k + 1 by
/// slot s needs episode k by `min_gap_hours` earlier, and episode k by `max_gap_hours` before s
/// needs episode k + 1 by s.
fn add_series(
    model: &mut Model,
    request: &PlanRequest,
    slots: &[Slot],
    pairs: &[Pair],
    x: &[Vec<Variable>],
) {
    for series in &request.series {
        let Some(p) = request
            .pillars
            .iter()
            .position(|pillar| pillar.id == series.pillar_id)
        else {
            continue;
        };
        let episodes: Vec<Vec<Variable>> = (0..series.episodes)
            .map(|_| slots.iter().map(|_| model.binary()).collect())
            .collect();
        for (s, row) in x.iter().enumerate() {
            let holds_pillar: Expression = row
                .iter()
                .zip(pairs)
                .filter(|(_, pair)| pair.pillar == p)
                .map(|(v, _)| *v)
                .sum();
            let here: Expression = episodes.iter().map(|episode| episode[s]).sum();
            model.require(constraint!(here <= holds_pillar));
        }

        let done: Vec<Vec<Variable>> = episodes
            .iter()
            .map(|episode| running_count(model, episode))
            .collect();
        let min_gap = series.min_gap_hours.unwrap_or(0.0).max(1e-3);
        for k in 1..done.len() {
            let (before, after) = (&done[k - 1], &done[k]);
            for (s, slot) in slots.iter().enumerate() {
                match last_slot_by(slots, slot.hours_from_start - min_gap) {
                    Some(j) => model.require(constraint!(after[s] <= before[j])),
                    None => model.require(constraint!(after[s] <= 0.0)),
                }
                if let Some(max_gap) = series.max_gap_hours
                    && let Some(j) = last_slot_by(slots, slot.hours_from_start - max_gap)
                {
                    model.require(constraint!(before[j] <= after[s]));
                }
            }
        }
    }
}

/// `done[s]` = how many of `placed` lie at or before slot s; the last one is 1.
fn running_count(model: &mut Model, placed: &[Variable]) -> Vec<Variable> {
    let done: Vec<Variable> = placed
        .iter()
        .map(|_| model.variables.add(variable().min(0.0).max(1.0)))
        .collect();
    for s in 0..placed.len() {
        let previous: Expression = if s == 0 {
            Expression::default()
        } else {
            done[s - 1].into()
        };
        model.require(constraint!(done[s] == previous + placed[s]));
    }
    if let Some(last) = done.last() {
        model.require(constraint!(*last == 1.0));
    }
    done
}

/// The last slot starting at or before `hours` from the horizon's start.
fn last_slot_by(slots: &[Slot], hours: f64) -> Option<usize> {
    slots
        .partition_point(|slot| slot.hours_from_start <= hours + 1e-9)
        .checked_sub(1)
}
