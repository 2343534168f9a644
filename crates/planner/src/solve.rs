//! The planner's entry points: [`plan`] for the best schedule and [`is_feasible`] for whether
//! any schedule obeys every rule (the question [`crate::conflicts`] asks of smaller requests).
//!
//! A strict solve maximises the total score. With `allow_violations` the elastic model is solved
//! twice: first for the fewest broken rules, then for the best score among schedules that break
//! no more rules than that. Status is `Optimal` only when every solve involved proved its optimum.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::backend::{self, Found, Goal, NotFound, RunOptions};
use crate::error::PlanError;
use crate::extract;
use crate::instance::Instance;
use crate::model::{Model, Row, SeriesMode};
use crate::request::{Backend, PlanRequest};
use crate::schedule::{Schedule, SeriesEpisode, SolveStats, SolveStatus, Violation};

/// Shortest budget handed to a solver, so that a request spent on model building still gets an
/// answer or a clean time-limit error.
const MIN_SOLVE_BUDGET: Duration = Duration::from_millis(5);

/// The best schedule that obeys every rule of `request` (or, with `allow_violations`, breaks the
/// fewest), or an `Infeasible` schedule without posts.
pub fn plan(request: &PlanRequest) -> Result<Schedule, PlanError> {
    crate::validate::validate(request)?;
    let started = Instant::now();
    check_backend(request.solver.backend)?;

    let instance = Instance::new(request)?;
    let budget = Duration::from_millis(request.solver.time_limit_ms);
    let mut solver = Solver {
        instance: &instance,
        started,
        budget,
        main_model: None,
    };

    let mut schedule = if request.allow_violations {
        solver.elastic()?
    } else {
        solver.strict()?
    };

    if schedule.status == SolveStatus::Infeasible {
        let left = budget
            .saturating_sub(started.elapsed())
            .max(MIN_SOLVE_BUDGET);
        // An explanation that runs out of time leaves the conflicts empty rather than failing
        // the answer: the infeasibility itself is proven.
        if let Ok(conflicts) = crate::conflicts::explain_known_infeasibility(request, left) {
            schedule.conflicts = conflicts;
        }
    }
    Ok(schedule)
}

/// Whether some schedule obeys every rule of `request`, the objective aside.
///
/// Returns [`PlanError::TimeLimitWithoutSolution`] when `time_limit` passes before the solver
/// decides. `allow_violations` is ignored: the question is about the rules as written.
pub fn is_feasible(request: &PlanRequest, time_limit: Duration) -> Result<bool, PlanError> {
    crate::validate::validate(request)?;
    let started = Instant::now();
    check_backend(request.solver.backend)?;

    let instance = Instance::new(request)?;
    if pinned_gap_clash(&instance).is_some() {
        return Ok(false);
    }
    let has_series = request.series.iter().any(|s| s.episodes > 0);
    let mode = if has_series {
        SeriesMode::Exact
    } else {
        SeriesMode::Relaxed
    };
    let model = Model::build(&instance, false, mode);
    if model.broken_rule.is_some() {
        return Ok(false);
    }
    let options = RunOptions {
        backend: request.solver.backend,
        time_limit: time_limit
            .saturating_sub(started.elapsed())
            .max(MIN_SOLVE_BUDGET),
        relative_gap: 0.0,
        warm_start: None,
    };
    match backend::run(&model, Goal::Feasibility, &[], &options)? {
        Ok(_) => Ok(true),
        Err(NotFound::Infeasible) => Ok(false),
        Err(NotFound::TimeLimit) => Err(PlanError::TimeLimitWithoutSolution {
            time_limit_ms: time_limit.as_millis() as u64,
        }),
    }
}

fn check_backend(backend: Backend) -> Result<(), PlanError> {
    match backend {
        Backend::Microlp => Ok(()),
        Backend::Highs if cfg!(feature = "highs") => Ok(()),
        Backend::Highs => Err(PlanError::BackendUnavailable("highs")),
    }
}

/// The first pair of pinned posts closer than the gap, as a rule path.
fn pinned_gap_clash(instance: &Instance<'_>) -> Option<(usize, usize)> {
    let gap = instance.gap;
    let pinned = &instance.pinned;
    (0..pinned.len())
        .flat_map(|i| (i + 1..pinned.len()).map(move |j| (i, j)))
        .find(|&(i, j)| (pinned[i].at - pinned[j].at).abs() < gap)
}

/// Tolerance when comparing objective values of two solves.
const SCORE_TOLERANCE: f64 = 1e-7;

/// A solved model: its values and what the solver proved.
struct Solved {
    model: Model,
    found: Found,
}

impl Solved {
    /// Total score of the planned posts, as the model counts it.
    fn score(&self) -> f64 {
        self.model
            .vars
            .iter()
            .zip(&self.found.values)
            .map(|(v, x)| v.score * x)
            .sum()
    }

    /// No schedule of this model scores above this.
    fn bound(&self) -> Option<f64> {
        if self.found.proven {
            Some(self.score())
        } else {
            self.found.bound
        }
    }

    fn chosen(&self) -> Vec<extract::Chosen> {
        extract::chosen(&self.model, &self.found.values)
    }
}

struct Solver<'a> {
    instance: &'a Instance<'a>,
    started: Instant,
    budget: Duration,
    /// Size of the first model solved, the one whose slots the stats report.
    main_model: Option<(usize, usize, usize)>,
}

impl Solver<'_> {
    /// Best score; series are handled in up to three solves (see [`SeriesMode`]):
    /// 1. without series rows, whose optimum bounds every schedule; if its posts already hold
    ///    every series, it is the answer;
    /// 2. otherwise with episodes restricted to candidate slots; if that reaches the bound of
    ///    (1), it is optimal;
    /// 3. otherwise the exact model, with episodes at every free slot.
    fn strict(&mut self) -> Result<Schedule, PlanError> {
        if pinned_gap_clash(self.instance).is_some() {
            return Ok(self.infeasible(None));
        }
        let relaxed = Model::build(self.instance, false, SeriesMode::Relaxed);
        if relaxed.broken_rule.is_some() {
            return Ok(self.infeasible(Some(&relaxed)));
        }
        let relaxed = match self.solve(relaxed, Goal::MaximiseScore, &[], None, 1.0)? {
            Ok(solved) => solved,
            Err(model) => return Ok(self.infeasible(Some(&model))),
        };
        let posts: Vec<(usize, usize)> = relaxed
            .chosen()
            .iter()
            .map(|c| (c.slot, self.instance.types[c.post_type].pillar))
            .collect();
        if let Some(episodes) = crate::series::find_chains(self.instance, &posts) {
            let proven = relaxed.found.proven;
            return Ok(self.schedule(&relaxed, &episodes, proven, relaxed.bound(), vec![]));
        }
        self.with_series(&relaxed)
    }

    /// Steps 2 and 3 of [`Self::strict`]; `upper` bounds the planned score of any schedule.
    ///
    /// Step 2 first tries the relaxed schedule's own slots with their types free: often another
    /// assignment of types to the same slots scores as much and holds every series. Only a
    /// schedule that reaches the bound is of use there, so that model also requires its score
    /// to reach it: branch and bound then drops every branch that cannot, instead of proving
    /// a lesser schedule best.
    fn with_series(&mut self, relaxed: &Solved) -> Result<Schedule, PlanError> {
        let upper = relaxed.bound();
        let mut same_slots = vec![false; self.instance.slots.len()];
        relaxed
            .chosen()
            .iter()
            .for_each(|c| same_slots[c.slot] = true);
        for within in [Some(same_slots.as_slice()), None] {
            let model = Model::build_within(self.instance, false, SeriesMode::OnCandidates, within);
            let reach_upper = match (within, upper) {
                (Some(_), Some(u)) => vec![score_at_least(&model, u - score_tolerance(u))],
                _ => vec![],
            };
            let solved = match self.solve(model, Goal::MaximiseScore, &reach_upper, None, 0.5) {
                Ok(Ok(solved)) => solved,
                Ok(Err(_infeasible)) => continue,
                // A restriction is only a shortcut, so a failure of the solver on it leaves
                // the decision to the next model.
                Err(PlanError::Solver(_) | PlanError::SolverBreakdown(_)) => continue,
                Err(error) => return Err(error),
            };
            let reaches = upper.is_some_and(|u| solved.score() >= u - score_tolerance(u));
            if solved.found.proven && reaches {
                let episodes =
                    extract::episode_numbers(self.instance, &solved.model, &solved.found.values);
                return Ok(self.schedule(&solved, &episodes, true, upper, vec![]));
            }
            if within.is_none() {
                return self.exact(upper, Some(solved));
            }
        }
        self.exact(upper, None)
    }

    /// Step 3 of [`Self::strict`]: the exact model, falling back on `restricted` if the time
    /// runs out.
    fn exact(
        &mut self,
        upper: Option<f64>,
        restricted: Option<Solved>,
    ) -> Result<Schedule, PlanError> {
        let exact = Model::build(self.instance, false, SeriesMode::Exact);
        if exact.broken_rule.is_some() {
            return Ok(self.infeasible(Some(&exact)));
        }
        // microlp looks at its clock between LP solves, so it can overrun by one solve; the
        // margin keeps the whole plan inside the request's time limit.
        let exact = match self.solve(exact, Goal::MaximiseScore, &[], None, 0.85) {
            Ok(Ok(solved)) => solved,
            Ok(Err(model)) => return Ok(self.infeasible(Some(&model))),
            // Out of time, or a numerical failure of the solver on the exact model: a schedule
            // of the restriction still obeys every rule, it is just not proven best.
            Err(
                error @ (PlanError::TimeLimitWithoutSolution { .. }
                | PlanError::Solver(_)
                | PlanError::SolverBreakdown(_)),
            ) => {
                let Some(solved) = &restricted else {
                    return Err(error);
                };
                let episodes =
                    extract::episode_numbers(self.instance, &solved.model, &solved.found.values);
                return Ok(self.schedule(solved, &episodes, false, upper, vec![]));
            }
            Err(error) => return Err(error),
        };
        let bound = match (exact.bound(), upper) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let episodes = extract::episode_numbers(self.instance, &exact.model, &exact.found.values);
        let proven = exact.found.proven;
        Ok(self.schedule(&exact, &episodes, proven, bound, vec![]))
    }

    /// Fewest broken rules first, then the best score among schedules breaking no more. When
    /// every rule can hold, that is the strict schedule, so the strict solve comes first; the
    /// elastic search starts from the schedule without planned posts.
    ///
    /// The second step first keeps the broken rules of the first (a model as tight as the strict
    /// one, fast), then frees the choice of which rules break, warm-started from that schedule,
    /// to prove or improve it. With nothing broken the first of these is already exact.
    fn elastic(&mut self) -> Result<Schedule, PlanError> {
        let strict = self.strict()?;
        if strict.status != SolveStatus::Infeasible {
            return Ok(strict);
        }
        let model = Model::build(self.instance, true, SeriesMode::Exact);
        let start = model.without_planned_posts();
        let fewest = match self.solve(model, Goal::MinimiseBroken, &[], Some(start), 0.3)? {
            Ok(solved) => solved,
            Err(model) => return Ok(self.infeasible(Some(&model))),
        };
        let indicators: Vec<(usize, f64)> = fewest
            .model
            .soft
            .iter()
            .map(|r| (r.indicator, fewest.found.values[r.indicator].round()))
            .collect();
        let broken: f64 = indicators.iter().map(|(_, v)| v).sum();
        let same_rules: Vec<Row> = indicators
            .iter()
            .map(|&(var, v)| Row {
                terms: vec![(var, 1.0)],
                lower: v,
                upper: v,
            })
            .collect();
        let Solved {
            model,
            found: first,
        } = fewest;

        let start = Some(first.values.clone());
        let (model, kept) = match self.solve(model, Goal::MaximiseScore, &same_rules, start, 0.4)? {
            Ok(solved) => (solved.model, solved.found),
            Err(model) => (
                model,
                Found {
                    proven: false,
                    bound: None,
                    ..first.clone()
                },
            ),
        };
        let best = if broken == 0.0 && kept.proven {
            Solved { model, found: kept }
        } else {
            let cap = Row {
                terms: indicators.iter().map(|&(var, _)| (var, 1.0)).collect(),
                lower: f64::NEG_INFINITY,
                upper: broken,
            };
            match self.solve(
                model,
                Goal::MaximiseScore,
                &[cap],
                Some(kept.values.clone()),
                1.0,
            ) {
                Ok(Ok(solved)) if solved.found.proven => solved,
                Ok(Ok(solved)) => {
                    let bound = solved.found.bound;
                    let better = score_of(&solved.model, &solved.found.values)
                        >= score_of(&solved.model, &kept.values);
                    let values = if better {
                        solved.found.values
                    } else {
                        kept.values
                    };
                    Solved {
                        model: solved.model,
                        found: Found {
                            values,
                            proven: false,
                            bound,
                        },
                    }
                }
                Ok(Err(model)) => Solved {
                    model,
                    found: Found {
                        proven: false,
                        bound: None,
                        ..kept
                    },
                },
                Err(PlanError::TimeLimitWithoutSolution { .. }) => {
                    let model = Model::build(self.instance, true, SeriesMode::Exact);
                    Solved {
                        model,
                        found: Found {
                            proven: false,
                            bound: None,
                            ..kept
                        },
                    }
                }
                Err(error) => return Err(error),
            }
        };

        let mut violations = extract::violations(&best.model, &best.found.values);
        violations.extend(self.pinned_gap_violation());
        let episodes = extract::episode_numbers(self.instance, &best.model, &best.found.values);
        let proven = first.proven && best.found.proven;
        Ok(self.schedule(&best, &episodes, proven, best.bound(), violations))
    }

    /// Solves `model` with `share` of the time left; `Err(model)` when it has no schedule.
    fn solve(
        &mut self,
        model: Model,
        goal: Goal,
        extra: &[Row],
        warm_start: Option<Vec<f64>>,
        share: f64,
    ) -> Result<Result<Solved, Model>, PlanError> {
        let size = (
            model.vars.len(),
            model.rows.len() + extra.len(),
            model.candidate_slots,
        );
        self.main_model.get_or_insert(size);
        let left = self.budget.saturating_sub(self.started.elapsed());
        let request = self.instance.request;
        let options = RunOptions {
            backend: request.solver.backend,
            time_limit: left.mul_f64(share).max(MIN_SOLVE_BUDGET),
            relative_gap: request.solver.relative_gap,
            warm_start,
        };
        match backend::run(&model, goal, extra, &options)? {
            Ok(found) => Ok(Ok(Solved { model, found })),
            Err(NotFound::Infeasible) => Ok(Err(model)),
            Err(NotFound::TimeLimit) => Err(self.time_limit_error()),
        }
    }

    fn time_limit_error(&self) -> PlanError {
        PlanError::TimeLimitWithoutSolution {
            time_limit_ms: self.budget.as_millis() as u64,
        }
    }

    /// Statistics of the first model solved (or of `model` if none was), time so far.
    fn stats(&self, model: Option<&Model>) -> SolveStats {
        let size = model.map(|m| (m.vars.len(), m.rows.len(), m.candidate_slots));
        let (variables, constraints, candidate_slots) =
            self.main_model.or(size).unwrap_or_default();
        SolveStats {
            variables,
            constraints,
            solve_ms: self.started.elapsed().as_secs_f64() * 1000.0,
            backend: self.instance.request.solver.backend,
            slots: self.instance.grid.slots.len(),
            candidate_slots,
        }
    }

    /// No schedule obeys every rule; [`plan`] then asks [`crate::conflicts`] why.
    fn infeasible(&self, model: Option<&Model>) -> Schedule {
        Schedule::infeasible(self.stats(model))
    }

    /// The schedule of `solved`; `bound` bounds the planned score, pinned posts aside.
    fn schedule(
        &self,
        solved: &Solved,
        episodes: &HashMap<usize, SeriesEpisode>,
        proven: bool,
        bound: Option<f64>,
        violations: Vec<Violation>,
    ) -> Schedule {
        let posts = extract::posts(self.instance, &solved.chosen(), episodes);
        let objective: f64 = posts.iter().map(|p| p.score.total).sum();
        let pinned_score: f64 = posts
            .iter()
            .filter(|p| p.pinned_id.is_some())
            .map(|p| p.score.total)
            .sum();
        let best_bound = match bound {
            _ if proven => objective,
            Some(bound) => (bound + pinned_score).max(objective),
            None => pinned_score + trivial_bound(&solved.model),
        };
        let gap = if best_bound.abs() <= f64::EPSILON {
            0.0
        } else {
            (best_bound - objective) / best_bound
        };
        Schedule {
            status: if proven {
                SolveStatus::Optimal
            } else {
                SolveStatus::Feasible
            },
            objective,
            best_bound,
            gap,
            stats: self.stats(Some(&solved.model)),
            posts,
            conflicts: vec![],
            violations,
        }
    }

    fn pinned_gap_violation(&self) -> Option<Violation> {
        let (i, j) = pinned_gap_clash(self.instance)?;
        let pinned = &self.instance.request.pinned_posts;
        let apart = (self.instance.pinned[i].at - self.instance.pinned[j].at).abs() as f64 / 60.0;
        let gap = f64::from(self.instance.request.frequency.min_gap_minutes);
        Some(Violation {
            rule: "frequency.min_gap_minutes".into(),
            message: format!(
                "pinned posts `{}` and `{}` are {apart} minutes apart, less than the gap of {gap} minutes",
                pinned[i].id, pinned[j].id
            ),
            shortfall: gap - apart,
        })
    }
}

/// How far below `bound` a score may be and still count as reaching it.
fn score_tolerance(bound: f64) -> f64 {
    SCORE_TOLERANCE * bound.abs().max(1.0)
}

/// The row "total score of `model` at least `least`".
fn score_at_least(model: &Model, least: f64) -> Row {
    let terms = model
        .vars
        .iter()
        .enumerate()
        .filter(|(_, v)| v.score != 0.0)
        .map(|(i, v)| (i, v.score))
        .collect();
    Row {
        terms,
        lower: least,
        upper: f64::INFINITY,
    }
}

/// Total score of the planned posts of `values`, as `model` counts it.
fn score_of(model: &Model, values: &[f64]) -> f64 {
    model
        .vars
        .iter()
        .zip(values)
        .map(|(v, x)| v.score * x)
        .sum()
}

/// A bound valid for any schedule when the solver reports none: every variable at its upper
/// bound.
fn trivial_bound(model: &Model) -> f64 {
    model.vars.iter().map(|v| v.score.max(0.0) * v.upper).sum()
}
