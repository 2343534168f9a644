//! Hands a [`Model`] to a solver through good_lp and reads back values, proof and bound.
//!
//! microlp is always compiled in; HiGHS only with the `highs` feature. Neither backend's status
//! is matched with a catch-all that could report an unproven schedule as optimal.

use std::time::Duration;

use good_lp::{Expression, ProblemVariables, ResolutionError, SolverModel, Variable, variable};

use crate::error::PlanError;
use crate::model::{Model, Row};
use crate::request::Backend;

/// Which objective a solve pursues.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Goal {
    /// Highest total score.
    MaximiseScore,
    /// Fewest broken rules (elastic models).
    MinimiseBroken,
    /// Any schedule at all.
    Feasibility,
}

#[derive(Debug, Clone)]
pub(crate) struct RunOptions {
    pub backend: Backend,
    pub time_limit: Duration,
    pub relative_gap: f64,
    /// A schedule to start from (values of every variable), honoured by microlp.
    pub warm_start: Option<Vec<f64>>,
}

/// A schedule the solver found.
#[derive(Debug, Clone)]
pub(crate) struct Found {
    pub values: Vec<f64>,
    /// The solver proved no better value exists (within its tolerance).
    pub proven: bool,
    /// Best value any schedule can reach, in the goal's direction, when the solver knows it.
    pub bound: Option<f64>,
}

/// Why a solve gave no schedule.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum NotFound {
    Infeasible,
    TimeLimit,
}

pub(crate) type RunResult = Result<Result<Found, NotFound>, PlanError>;

/// Solves `model` for `goal` with `extra` rows added.
pub(crate) fn run(model: &Model, goal: Goal, extra: &[Row], options: &RunOptions) -> RunResult {
    match options.backend {
        Backend::Microlp => run_microlp(model, goal, extra, options),
        Backend::Highs => run_highs(model, goal, extra, options),
    }
}

/// The good_lp variables of `model` and its objective for `goal`.
fn variables(model: &Model, goal: Goal) -> (ProblemVariables, Vec<Variable>, Expression) {
    let mut problem = ProblemVariables::new();
    let mut objective = Expression::with_capacity(model.vars.len());
    let vars: Vec<Variable> = model
        .vars
        .iter()
        .map(|def| {
            let definition = variable().min(def.lower).max(def.upper);
            let var = problem.add(if def.integer {
                definition.integer()
            } else {
                definition
            });
            if goal == Goal::MaximiseScore && def.score != 0.0 {
                objective.add_mul(def.score, var);
            }
            var
        })
        .collect();
    if goal == Goal::MinimiseBroken {
        for rule in &model.soft {
            objective.add_mul(1.0, vars[rule.indicator]);
        }
    }
    (problem, vars, objective)
}

fn add_rows<M: SolverModel>(solver: &mut M, rows: impl Iterator<Item = Row>, vars: &[Variable]) {
    for row in rows {
        let mut expression = Expression::with_capacity(row.terms.len());
        for &(var, coefficient) in &row.terms {
            expression.add_mul(coefficient, vars[var]);
        }
        if row.lower == row.upper {
            solver.add_constraint(expression.eq(row.lower));
            continue;
        }
        if row.lower.is_finite() {
            solver.add_constraint(expression.clone().geq(row.lower));
        }
        if row.upper.is_finite() {
            solver.add_constraint(expression.leq(row.upper));
        }
    }
}

fn all_rows<'a>(model: &'a Model, extra: &'a [Row]) -> impl Iterator<Item = Row> + 'a {
    model.rows.iter().chain(extra).cloned()
}

fn run_microlp(model: &Model, goal: Goal, extra: &[Row], options: &RunOptions) -> RunResult {
    use good_lp::solvers::microlp::microlp;
    use good_lp::{WithInitialSolution, WithMipGap, WithTimeLimit};

    let (problem, vars, objective) = variables(model, goal);
    let unsolved = match goal {
        Goal::MinimiseBroken => problem.minimise(objective),
        Goal::MaximiseScore | Goal::Feasibility => problem.maximise(objective),
    };
    let mut solver = unsolved
        .using(microlp)
        .with_time_limit(options.time_limit.as_secs_f64());
    if options.relative_gap > 0.0 && goal != Goal::Feasibility {
        solver = solver
            .with_mip_gap(options.relative_gap as f32)
            .map_err(|e| PlanError::Solver(e.to_string()))?;
    }
    add_rows(&mut solver, all_rows(model, extra), &vars);
    if let Some(start) = &options.warm_start {
        solver = solver.with_initial_solution(vars.iter().copied().zip(start.iter().copied()));
    }

    let solution = match solver.solve() {
        Ok(solution) => solution,
        Err(error) => return not_found(error),
    };
    // microlp validates an incumbent's integers to within 1e-5 before returning it, so reading
    // the rounded values cannot fail.
    let values = vars
        .iter()
        .map(|&v| good_lp::Solution::value(&solution, v))
        .collect();
    let solution = solution.into_inner();
    let proven = match solution.status() {
        microlp::SolutionStatus::Optimal => true,
        microlp::SolutionStatus::Feasible => false,
    };
    let bound = if proven {
        Some(solution.objective())
    } else {
        solution.stats().best_bound
    };
    Ok(Ok(Found {
        values,
        proven,
        bound,
    }))
}

fn not_found(error: ResolutionError) -> RunResult {
    match error {
        ResolutionError::Infeasible => Ok(Err(NotFound::Infeasible)),
        ResolutionError::Other(message) if message.starts_with("Time limit") => {
            Ok(Err(NotFound::TimeLimit))
        }
        ResolutionError::Unbounded => Err(PlanError::Solver("the model is unbounded".into())),
        ResolutionError::Other(message) => solver_failure(message.to_lowercase()),
        ResolutionError::Str(message) => solver_failure(message.to_lowercase()),
    }
}

/// A numerical breakdown of microlp's linear algebra, or another failure of the solver.
fn solver_failure(message: String) -> RunResult {
    if message.contains("singular") {
        Err(PlanError::SolverBreakdown(message))
    } else {
        Err(PlanError::Solver(message))
    }
}

#[cfg(not(feature = "highs"))]
fn run_highs(_model: &Model, _goal: Goal, _extra: &[Row], _options: &RunOptions) -> RunResult {
    Err(PlanError::BackendUnavailable("highs"))
}

#[cfg(feature = "highs")]
fn run_highs(model: &Model, goal: Goal, extra: &[Row], options: &RunOptions) -> RunResult {
    use good_lp::solvers::highs::highs;
    use highs::HighsModelStatus as Status;

    let (problem, vars, objective) = variables(model, goal);
    let unsolved = match goal {
        Goal::MinimiseBroken => problem.minimise(objective),
        Goal::MaximiseScore | Goal::Feasibility => problem.maximise(objective),
    };
    let mut solver = unsolved.using(highs);
    add_rows(&mut solver, all_rows(model, extra), &vars);
    let mut inner = solver.into_inner();
    inner.make_quiet();
    inner.set_option("time_limit", options.time_limit.as_secs_f64());
    inner.set_option(
        "mip_rel_gap",
        if goal == Goal::Feasibility {
            1.0
        } else {
            options.relative_gap
        },
    );
    inner.set_option("threads", 1);

    let solved = inner
        .try_solve()
        .map_err(|e| PlanError::Solver(format!("highs failed: {e:?}")))?;
    let status = solved.status();
    let proven = match status {
        Status::Optimal => {
            solved.mip_gap() <= 1e-9 || !solved.mip_gap().is_finite() && options.relative_gap == 0.0
        }
        Status::ReachedTimeLimit
        | Status::ReachedIterationLimit
        | Status::ReachedSolutionLimit
        | Status::ReachedInterrupt
        | Status::ReachedMemoryLimit
        | Status::ObjectiveBound
        | Status::ObjectiveTarget => false,
        Status::Infeasible | Status::UnboundedOrInfeasible => return Ok(Err(NotFound::Infeasible)),
        Status::Unbounded => return Err(PlanError::Solver("the model is unbounded".into())),
        Status::NotSet
        | Status::LoadError
        | Status::ModelError
        | Status::PresolveError
        | Status::SolveError
        | Status::PostsolveError
        | Status::ModelEmpty => {
            return Err(PlanError::Solver(format!("highs stopped with {status:?}")));
        }
        _ => false,
    };
    if solved.primal_solution_status() != highs::HighsSolutionStatus::Feasible {
        return Ok(Err(NotFound::TimeLimit));
    }
    let values = solved.get_solution().columns().to_vec();
    let objective = solved.objective_value();
    let gap = solved.mip_gap();
    let bound = if proven {
        Some(objective)
    } else if gap.is_finite() {
        let slack = gap * objective.abs();
        Some(if goal == Goal::MinimiseBroken {
            objective - slack
        } else {
            objective + slack
        })
    } else {
        None
    };
    Ok(Ok(Found {
        values,
        proven,
        bound,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_singular_basis_is_a_breakdown_and_other_failures_are_not() {
        let singular = not_found(ResolutionError::Str("Singular matrix".into()));
        assert!(
            matches!(&singular, Err(PlanError::SolverBreakdown(m)) if m == "singular matrix"),
            "{singular:?}"
        );
        let other = not_found(ResolutionError::Str("internal error: bad basis".into()));
        assert!(
            matches!(&other, Err(PlanError::Solver(m)) if m == "internal error: bad basis"),
            "{other:?}"
        );
        let message = PlanError::SolverBreakdown("singular matrix".into()).to_string();
        assert!(message.contains("HIGHS"), "{message}");
    }
}
