//! Exploration inside a plan: a share of the planned posts placed by a posterior draw of the
//! hourly values instead of by their best estimate, so that hours the evidence is unsure of get
//! tried and a wrong heatmap gets corrected.
//!
//! The request's `heatmap` holds the best estimate (the posterior mean of a learner such as
//! `slotwise-slots`); `draw` holds one joint draw from the same posterior. The planner knows
//! nothing of where either comes from, and draws nothing itself: the caller seeds the draw.
//!
//! Two solves:
//! 1. the best schedule for the estimate, as [`crate::plan`] gives it;
//! 2. the `share` of its planned posts that score least under the estimate (series episodes
//!    excepted) are taken out, the rest are pinned where they are, and the freed posts are
//!    placed again with the draw as the heatmap, under every rule of the request. The series
//!    rules are left out of this solve only because every episode is among the pinned posts,
//!    where the first solve proved their gaps.
//!
//! The result is checked against the request by the independent [`crate::check`] before it is
//! returned; should the second solve fail or find nothing, the best schedule is returned
//! without exploration rather than a worse or broken one.

use std::time::{Duration, Instant};

use chrono::{Datelike, Timelike};

use crate::check::check_schedule;
use crate::error::PlanError;
use crate::request::{HOURS_PER_WEEK, PinnedPost, PlanRequest};
use crate::schedule::{PlannedPost, Schedule, Score, SolveStatus};
use crate::solve::plan;

/// Start of the pinned-post ids given to the posts the second solve keeps; lengthened until no
/// pinned post of the request starts with it, and removed again before the schedule is returned.
const KEPT_PREFIX: &str = "explore-kept-";

/// The least time the second solve is given, so that a request spent on the first still
/// explores when it can.
const MIN_EXPLORE_BUDGET: Duration = Duration::from_millis(50);

/// A schedule some of whose posts explore.
#[derive(Debug, Clone, PartialEq)]
pub struct ExploringSchedule {
    /// Posts in time order, scored by the estimate (the request's heatmap); `objective` is their
    /// sum, `best_bound` the first solve's bound, so `gap` is what exploring costs at most.
    pub schedule: Schedule,
    /// Per post of `schedule`, the drawn value of its hour when a draw placed it.
    pub explored: Vec<Option<f64>>,
}

/// The best schedule of `request`, then `share` of its planned posts placed again by `draw`.
pub fn plan_exploring(
    request: &PlanRequest,
    draw: &[f64],
    share: f64,
) -> Result<ExploringSchedule, PlanError> {
    check_draw(draw, share)?;
    let started = Instant::now();
    let best = plan(request)?;
    let unexplored = |schedule: Schedule| ExploringSchedule {
        explored: vec![None; schedule.posts.len()],
        schedule,
    };

    let freed = posts_to_free(&best, share);
    if best.status == SolveStatus::Infeasible || freed.is_empty() {
        return Ok(unexplored(best));
    }
    let budget = Duration::from_millis(request.solver.time_limit_ms)
        .saturating_sub(started.elapsed())
        .max(MIN_EXPLORE_BUDGET);
    let prefix = kept_prefix(request);
    let second = second_request(request, &best, &freed, draw, budget, &prefix);
    let Ok(placed) = plan(&second) else {
        return Ok(unexplored(best));
    };
    if placed.status == SolveStatus::Infeasible {
        return Ok(unexplored(best));
    }

    let exploring = merge(request, &best, &placed, draw, &prefix);
    if !check_schedule(request, &exploring.schedule).is_empty() {
        return Ok(unexplored(best));
    }
    Ok(exploring)
}

fn check_draw(draw: &[f64], share: f64) -> Result<(), PlanError> {
    if !(0.0..=1.0).contains(&share) {
        return Err(PlanError::invalid(
            "exploration_share",
            format!("must be in [0, 1], got {share}"),
        ));
    }
    if draw.len() != HOURS_PER_WEEK {
        return Err(PlanError::invalid(
            "draw",
            format!("must have {HOURS_PER_WEEK} values, got {}", draw.len()),
        ));
    }
    match draw.iter().position(|v| !v.is_finite() || *v < 0.0) {
        Some(hour) => Err(PlanError::invalid(
            format!("draw[{hour}]"),
            "must be finite and non-negative",
        )),
        None => Ok(()),
    }
}

/// Indexes of the planned posts to place again: `share` of the planned posts, rounded to the
/// nearest whole post, those scoring least first; series episodes and pinned posts stay.
fn posts_to_free(best: &Schedule, share: f64) -> Vec<usize> {
    let planned = best.posts.iter().filter(|p| p.pinned_id.is_none()).count();
    let wanted = (share * planned as f64).round() as usize;

    let mut movable: Vec<usize> = (0..best.posts.len())
        .filter(|&i| best.posts[i].pinned_id.is_none() && best.posts[i].series_episode.is_none())
        .collect();
    movable.sort_by(|&a, &b| {
        let (a, b) = (&best.posts[a], &best.posts[b]);
        a.score
            .total
            .total_cmp(&b.score.total)
            .then(a.start_time.cmp(&b.start_time))
    });
    movable.truncate(wanted);
    movable.sort_unstable();
    movable
}

fn kept_prefix(request: &PlanRequest) -> String {
    let mut prefix = KEPT_PREFIX.to_owned();
    while request
        .pinned_posts
        .iter()
        .any(|p| p.id.starts_with(&prefix))
    {
        prefix.push('-');
    }
    prefix
}

/// The request of the second solve: the kept posts pinned, the draw as the heatmap.
fn second_request(
    request: &PlanRequest,
    best: &Schedule,
    freed: &[usize],
    draw: &[f64],
    budget: Duration,
    prefix: &str,
) -> PlanRequest {
    let mut second = request.clone();
    second.heatmap = draw.to_vec();
    second.series.clear();
    second.solver.time_limit_ms = budget.as_millis().max(1) as u64;

    let kept = best
        .posts
        .iter()
        .enumerate()
        .filter(|(i, post)| post.pinned_id.is_none() && !freed.contains(i));
    for (i, post) in kept {
        second.pinned_posts.push(PinnedPost {
            id: format!("{prefix}{i}"),
            start_time: post.start_time,
            pillar_id: post.pillar_id.clone(),
            format_id: (!request.formats.is_empty()).then(|| post.format_id.clone()),
            batch_id: post.batch_id.clone(),
        });
    }
    second
}

/// The second solve's posts, the kept ones restored as planned posts of the first solve and
/// every post scored by the estimate.
fn merge(
    request: &PlanRequest,
    best: &Schedule,
    placed: &Schedule,
    draw: &[f64],
    prefix: &str,
) -> ExploringSchedule {
    let mut posts = Vec::with_capacity(placed.posts.len());
    let mut explored = Vec::with_capacity(placed.posts.len());
    for post in &placed.posts {
        let kept = post
            .pinned_id
            .as_deref()
            .and_then(|id| id.strip_prefix(prefix))
            .and_then(|index| index.parse::<usize>().ok());
        match (kept, &post.pinned_id) {
            (Some(index), _) => {
                posts.push(best.posts[index].clone());
                explored.push(None);
            }
            (None, Some(_)) => {
                posts.push(post.clone());
                explored.push(None);
            }
            (None, None) => {
                let hour = hour_of_week(post);
                posts.push(rescored(post, request.heatmap[hour]));
                explored.push(Some(draw[hour]));
            }
        }
    }

    let objective = posts.iter().map(|p| p.score.total).sum();
    let best_bound = best.best_bound.max(objective);
    let gap = if best_bound.abs() <= f64::EPSILON {
        0.0
    } else {
        (best_bound - objective) / best_bound
    };
    let mut stats = best.stats.clone();
    stats.solve_ms += placed.stats.solve_ms;
    let schedule = Schedule {
        status: SolveStatus::Feasible,
        objective,
        best_bound,
        gap,
        stats,
        posts,
        conflicts: vec![],
        violations: vec![],
    };
    ExploringSchedule { schedule, explored }
}

/// Local hour of week of a post, Monday 00:00 = 0.
fn hour_of_week(post: &PlannedPost) -> usize {
    let local = post.local_time;
    local.weekday().num_days_from_monday() as usize * 24 + local.hour() as usize
}

fn rescored(post: &PlannedPost, heatmap_value: f64) -> PlannedPost {
    PlannedPost {
        score: Score::new(
            heatmap_value,
            post.score.pillar_weight,
            post.score.format_multiplier,
        ),
        ..post.clone()
    }
}
