//! Why a valid request has no schedule: the smallest sets of rules that clash, in plain words.
//!
//! The explanation does not look inside the model. It lists the request's *rules* (each pillar
//! quota, each frequency bound, each batch's capacity, readiness, coverage and shelf life, each
//! campaign bound, each series and its gaps, each themed day, each blackout) as items that can
//! be relaxed, and asks the model only one question: is the request still infeasible with these
//! rules relaxed? Pinned posts are facts, not rules: they are never relaxed.
//!
//! QuickXplain (Junker, 2004) turns that question into an irreducible set. It splits the rules
//! in two halves and recurses: first it finds the rules of the second half that clash with the
//! whole first half, then the rules of the first half that clash with those. Whenever the rules
//! kept in force so far are already infeasible, the rest of the chunk is not needed. Rules are
//! halved along the request's structure (pillar rules, then one pillar's rules, then one rule),
//! so a conflict of `k` rules among `n` costs about `2k log(n / k)` solves. Most of its solves keep
//! only a few rules in force, which a solver decides quickly: a request close to the edge of
//! feasibility, with nearly every rule in force, is the slow kind to prove feasible, and a
//! deletion filter (relax one rule at a time from the full request) asks mostly that kind.
//!
//! Relaxing rules only ever loosens the request, so the result is irreducible: relaxing any one
//! of its rules makes the request feasible. It is not always the smallest of all conflicts.
//!
//! Once a conflict is found its rules are relaxed for good and the search repeats, so that up to
//! [`MAX_CONFLICTS`] independent conflicts are reported. Every solve shares one time budget, and
//! no solve may take more than a fraction of it. A solve that cannot decide in its time counts as
//! "feasible": the rules it would have ruled out stay in the conflict, which still cannot hold
//! together but may not be irreducible, and the message says so.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use chrono::TimeDelta;

use crate::error::PlanError;
use crate::request::PlanRequest;
use crate::schedule::Conflict;
use crate::validate::validate;

mod words;

use words::Words;

/// Most independent conflicts reported for one request.
pub const MAX_CONFLICTS: usize = 3;

/// The first solve, which decides whether there is a conflict at all, may use up to this
/// fraction (1 / n) of the budget.
const FIRST_SOLVE_SHARE: u32 = 2;

/// Every later solve may use up to this fraction (1 / n) of the budget, so that one hard solve
/// cannot starve the rest.
const SOLVE_SHARE: u32 = 8;

/// Shortest time limit given to a solve.
const MIN_SOLVE_TIME: Duration = Duration::from_millis(20);

/// Capacity given to a batch whose capacity is relaxed: more posts than any valid horizon holds
/// (92 days of 15-minute slots is 8,832 slots, plus at most 1,000 pinned posts).
const RELAXED_BATCH_CAPACITY: u32 = 100_000;

/// One relaxable rule of a request; the index is the item's position in its list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    PillarMinPosts(usize),
    PillarMaxPosts(usize),
    PillarMinShare(usize),
    PillarMaxShare(usize),
    FormatMinShare(usize),
    FormatMaxShare(usize),
    /// The pillars a format is allowed for.
    FormatPillars(usize),
    MinPostsPerWeek,
    MaxPostsPerWeek,
    MaxPostsPerDay,
    MinGap,
    BatchCapacity(usize),
    /// Videos exist only from `ready_at` on.
    BatchReadyAt(usize),
    BatchPillars(usize),
    BatchFormats(usize),
    BatchUseWithin(usize),
    CampaignMinPosts(usize),
    CampaignMaxPosts(usize),
    /// The series' episodes must all be placed; relaxing it drops the series.
    SeriesEpisodes(usize),
    SeriesMinGap(usize),
    SeriesMaxGap(usize),
    ThemedDay(usize),
    Blackout(usize),
}

/// The part of a request a rule belongs to, coarsest first: the search halves chunks of rules
/// along it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Family {
    Pillars,
    Formats,
    Frequency,
    Batches,
    Campaigns,
    Series,
    ThemedDays,
    Blackouts,
}

impl Rule {
    /// The rule's path in the request, as in `pillars[0].min_posts`.
    pub fn path(self) -> String {
        match self {
            Self::PillarMinPosts(i) => format!("pillars[{i}].min_posts"),
            Self::PillarMaxPosts(i) => format!("pillars[{i}].max_posts"),
            Self::PillarMinShare(i) => format!("pillars[{i}].min_share"),
            Self::PillarMaxShare(i) => format!("pillars[{i}].max_share"),
            Self::FormatMinShare(i) => format!("formats[{i}].min_share"),
            Self::FormatMaxShare(i) => format!("formats[{i}].max_share"),
            Self::FormatPillars(i) => format!("formats[{i}].pillar_ids"),
            Self::MinPostsPerWeek => "frequency.min_posts_per_week".into(),
            Self::MaxPostsPerWeek => "frequency.max_posts_per_week".into(),
            Self::MaxPostsPerDay => "frequency.max_posts_per_day".into(),
            Self::MinGap => "frequency.min_gap_minutes".into(),
            Self::BatchCapacity(i) => format!("batches[{i}].capacity"),
            Self::BatchReadyAt(i) => format!("batches[{i}].ready_at"),
            Self::BatchPillars(i) => format!("batches[{i}].pillar_ids"),
            Self::BatchFormats(i) => format!("batches[{i}].format_ids"),
            Self::BatchUseWithin(i) => format!("batches[{i}].use_within_days"),
            Self::CampaignMinPosts(i) => format!("campaigns[{i}].min_posts"),
            Self::CampaignMaxPosts(i) => format!("campaigns[{i}].max_posts"),
            Self::SeriesEpisodes(i) => format!("series[{i}].episodes"),
            Self::SeriesMinGap(i) => format!("series[{i}].min_gap_hours"),
            Self::SeriesMaxGap(i) => format!("series[{i}].max_gap_hours"),
            Self::ThemedDay(i) => format!("themed_days[{i}]"),
            Self::Blackout(i) => format!("blackouts[{i}]"),
        }
    }

    /// The family and the item the rule belongs to.
    fn group(self) -> (Family, usize) {
        match self {
            Self::PillarMinPosts(i)
            | Self::PillarMaxPosts(i)
            | Self::PillarMinShare(i)
            | Self::PillarMaxShare(i) => (Family::Pillars, i),
            Self::FormatMinShare(i) | Self::FormatMaxShare(i) | Self::FormatPillars(i) => {
                (Family::Formats, i)
            }
            Self::MinPostsPerWeek | Self::MaxPostsPerWeek | Self::MaxPostsPerDay | Self::MinGap => {
                (Family::Frequency, 0)
            }
            Self::BatchCapacity(i)
            | Self::BatchReadyAt(i)
            | Self::BatchPillars(i)
            | Self::BatchFormats(i)
            | Self::BatchUseWithin(i) => (Family::Batches, i),
            Self::CampaignMinPosts(i) | Self::CampaignMaxPosts(i) => (Family::Campaigns, i),
            Self::SeriesEpisodes(i) | Self::SeriesMinGap(i) | Self::SeriesMaxGap(i) => {
                (Family::Series, i)
            }
            Self::ThemedDay(i) => (Family::ThemedDays, i),
            Self::Blackout(i) => (Family::Blackouts, i),
        }
    }
}

/// The rules of `request` that constrain anything, grouped by family and item in request order.
/// A bound that cannot bind (a minimum of 0, a share bound of 0 or 1, an empty allow-list) is
/// not a rule.
pub fn rules_of(request: &PlanRequest) -> Vec<Rule> {
    let mut rules = Vec::new();
    pillar_rules(request, &mut rules);
    format_rules(request, &mut rules);
    frequency_rules(request, &mut rules);
    batch_rules(request, &mut rules);
    campaign_rules(request, &mut rules);
    series_rules(request, &mut rules);
    rules.extend((0..request.themed_days.len()).map(Rule::ThemedDay));
    rules.extend((0..request.blackouts.len()).map(Rule::Blackout));
    rules
}

fn pillar_rules(request: &PlanRequest, rules: &mut Vec<Rule>) {
    for (i, pillar) in request.pillars.iter().enumerate() {
        push_if(
            rules,
            pillar.min_posts.is_some_and(|min| min > 0),
            Rule::PillarMinPosts(i),
        );
        push_if(rules, pillar.max_posts.is_some(), Rule::PillarMaxPosts(i));
        push_if(
            rules,
            pillar.min_share.is_some_and(|min| min > 0.0),
            Rule::PillarMinShare(i),
        );
        push_if(
            rules,
            pillar.max_share.is_some_and(|max| max < 1.0),
            Rule::PillarMaxShare(i),
        );
    }
}

fn format_rules(request: &PlanRequest, rules: &mut Vec<Rule>) {
    for (i, format) in request.formats.iter().enumerate() {
        push_if(
            rules,
            format.min_share.is_some_and(|min| min > 0.0),
            Rule::FormatMinShare(i),
        );
        push_if(
            rules,
            format.max_share.is_some_and(|max| max < 1.0),
            Rule::FormatMaxShare(i),
        );
        push_if(rules, !format.pillar_ids.is_empty(), Rule::FormatPillars(i));
    }
}

fn frequency_rules(request: &PlanRequest, rules: &mut Vec<Rule>) {
    let frequency = &request.frequency;
    push_if(
        rules,
        frequency.min_posts_per_week.is_some_and(|min| min > 0),
        Rule::MinPostsPerWeek,
    );
    push_if(
        rules,
        frequency.max_posts_per_week.is_some(),
        Rule::MaxPostsPerWeek,
    );
    push_if(
        rules,
        frequency.max_posts_per_day.is_some(),
        Rule::MaxPostsPerDay,
    );
    push_if(rules, frequency.min_gap_minutes > 0, Rule::MinGap);
}

fn batch_rules(request: &PlanRequest, rules: &mut Vec<Rule>) {
    for (i, batch) in request.batches.iter().enumerate() {
        rules.push(Rule::BatchCapacity(i));
        push_if(
            rules,
            batch.ready_at > request.horizon.start,
            Rule::BatchReadyAt(i),
        );
        push_if(rules, !batch.pillar_ids.is_empty(), Rule::BatchPillars(i));
        push_if(rules, !batch.format_ids.is_empty(), Rule::BatchFormats(i));
        push_if(
            rules,
            batch.use_within_days.is_some(),
            Rule::BatchUseWithin(i),
        );
    }
}

fn campaign_rules(request: &PlanRequest, rules: &mut Vec<Rule>) {
    for (i, campaign) in request.campaigns.iter().enumerate() {
        push_if(
            rules,
            campaign.min_posts.is_some_and(|min| min > 0),
            Rule::CampaignMinPosts(i),
        );
        push_if(
            rules,
            campaign.max_posts.is_some(),
            Rule::CampaignMaxPosts(i),
        );
    }
}

fn series_rules(request: &PlanRequest, rules: &mut Vec<Rule>) {
    for (i, series) in request.series.iter().enumerate() {
        rules.push(Rule::SeriesEpisodes(i));
        push_if(
            rules,
            series.min_gap_hours.is_some_and(|min| min > 0.0),
            Rule::SeriesMinGap(i),
        );
        push_if(rules, series.max_gap_hours.is_some(), Rule::SeriesMaxGap(i));
    }
}

fn push_if(rules: &mut Vec<Rule>, binds: bool, rule: Rule) {
    if binds {
        rules.push(rule);
    }
}

/// A copy of `request` with `rules` relaxed: bounds removed, allow-lists emptied, capacities
/// made unlimited, series, themed days and blackouts dropped. Pinned posts stay as they are.
pub fn without_rules(request: &PlanRequest, rules: &BTreeSet<Rule>) -> PlanRequest {
    let mut relaxed = request.clone();
    for rule in rules {
        relax(&mut relaxed, *rule);
    }

    let dropped_series = |i: usize| rules.contains(&Rule::SeriesEpisodes(i));
    relaxed.series = keep_unless(&relaxed.series, dropped_series);
    relaxed.themed_days = keep_unless(&relaxed.themed_days, |i| {
        rules.contains(&Rule::ThemedDay(i))
    });
    relaxed.blackouts = keep_unless(&relaxed.blackouts, |i| rules.contains(&Rule::Blackout(i)));
    relaxed
}

/// Relaxes one rule in place; rules that drop a list item are applied by [`without_rules`]
/// afterwards so that indexes stay valid meanwhile.
fn relax(request: &mut PlanRequest, rule: Rule) {
    match rule {
        Rule::PillarMinPosts(i) => request.pillars[i].min_posts = None,
        Rule::PillarMaxPosts(i) => request.pillars[i].max_posts = None,
        Rule::PillarMinShare(i) => request.pillars[i].min_share = None,
        Rule::PillarMaxShare(i) => request.pillars[i].max_share = None,
        Rule::FormatMinShare(i) => request.formats[i].min_share = None,
        Rule::FormatMaxShare(i) => request.formats[i].max_share = None,
        Rule::FormatPillars(i) => request.formats[i].pillar_ids.clear(),
        Rule::MinPostsPerWeek => request.frequency.min_posts_per_week = None,
        Rule::MaxPostsPerWeek => request.frequency.max_posts_per_week = None,
        Rule::MaxPostsPerDay => request.frequency.max_posts_per_day = None,
        Rule::MinGap => request.frequency.min_gap_minutes = 0,
        Rule::BatchCapacity(i) => request.batches[i].capacity = RELAXED_BATCH_CAPACITY,
        Rule::BatchReadyAt(i) => relax_ready_at(request, i),
        Rule::BatchPillars(i) => request.batches[i].pillar_ids.clear(),
        Rule::BatchFormats(i) => request.batches[i].format_ids.clear(),
        Rule::BatchUseWithin(i) => request.batches[i].use_within_days = None,
        Rule::CampaignMinPosts(i) => request.campaigns[i].min_posts = None,
        Rule::CampaignMaxPosts(i) => request.campaigns[i].max_posts = None,
        Rule::SeriesMinGap(i) => request.series[i].min_gap_hours = None,
        Rule::SeriesMaxGap(i) => request.series[i].max_gap_hours = None,
        Rule::SeriesEpisodes(_) | Rule::ThemedDay(_) | Rule::Blackout(_) => {}
    }
}

/// Makes a batch ready from the horizon's start. Its shelf life counts from `ready_at`, so it is
/// lengthened to end no earlier than before (rounded up to whole days), or dropped when it ended
/// after the horizon anyway: a relaxation must never tighten another rule.
fn relax_ready_at(request: &mut PlanRequest, index: usize) {
    let (start, end) = (request.horizon.start, request.horizon.end);
    let batch = &mut request.batches[index];
    if batch.ready_at <= start {
        return;
    }

    if let Some(days) = batch.use_within_days {
        let stale_at = batch.ready_at + TimeDelta::days(i64::from(days));
        let seconds = (stale_at - start).num_seconds();
        let whole_days = seconds.div_euclid(86_400) + i64::from(seconds.rem_euclid(86_400) > 0);
        batch.use_within_days = if stale_at >= end {
            None
        } else {
            u32::try_from(whole_days).ok()
        };
    }
    batch.ready_at = start;
}

fn keep_unless<T: Clone>(items: &[T], dropped: impl Fn(usize) -> bool) -> Vec<T> {
    items
        .iter()
        .enumerate()
        .filter(|(i, _)| !dropped(*i))
        .map(|(_, item)| item.clone())
        .collect()
}

/// Explains why `request` has no schedule: up to [`MAX_CONFLICTS`] independent sets of rules that
/// cannot all hold, each irreducible and described with its amounts. A feasible request gives an
/// empty list; a request the budget cannot decide gives
/// [`PlanError::TimeLimitWithoutSolution`]. Every feasibility solve shares `budget`.
pub fn explain_infeasibility(
    request: &PlanRequest,
    budget: Duration,
) -> Result<Vec<Conflict>, PlanError> {
    explain_with(request, budget, Known::Unknown, crate::is_feasible)
}

/// [`explain_infeasibility`] for a request already proven infeasible, as by [`crate::plan`]: it
/// skips the first solve and always names at least one conflict. When `budget` runs out, the
/// rules not yet ruled out stay in the conflict, whose message then says it may not be minimal.
pub fn explain_known_infeasibility(
    request: &PlanRequest,
    budget: Duration,
) -> Result<Vec<Conflict>, PlanError> {
    explain_with(request, budget, Known::Infeasible, crate::is_feasible)
}

/// What the caller knows of the request's feasibility.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Known {
    Unknown,
    Infeasible,
}

/// [`explain_infeasibility`] over any feasibility test, so that the search can be checked on
/// its own.
fn explain_with<F>(
    request: &PlanRequest,
    budget: Duration,
    known: Known,
    feasible: F,
) -> Result<Vec<Conflict>, PlanError>
where
    F: FnMut(&PlanRequest, Duration) -> Result<bool, PlanError>,
{
    validate(request)?;

    let mut search = Search::new(request, budget, known, feasible);
    let mut conflicts = Vec::new();
    while conflicts.len() < MAX_CONFLICTS {
        match search.next_conflict()? {
            Next::Found(found) => {
                let pinned_posts_alone = found.rules.is_empty();
                conflicts.push(found);
                if pinned_posts_alone {
                    break;
                }
            }
            Next::Feasible => break,
            Next::Undecided if conflicts.is_empty() => {
                let time_limit_ms = u64::try_from(budget.as_millis()).unwrap_or(u64::MAX);
                return Err(PlanError::TimeLimitWithoutSolution { time_limit_ms });
            }
            Next::Undecided => break,
        }
    }

    let order = rules_of(request);
    let position = |rule: &Rule| order.iter().position(|known| known == rule);
    conflicts.sort_by_key(|found| found.rules.first().and_then(position));
    Ok(conflicts
        .into_iter()
        .map(|found| describe(request, &found))
        .collect())
}

/// A conflict before it is put in words.
#[derive(Debug)]
struct FoundConflict {
    rules: Vec<Rule>,
    /// Whether every rule was proven needed within the budget.
    minimal: bool,
}

/// What one more search over the rules not yet reported gives.
#[derive(Debug)]
enum Next {
    Found(FoundConflict),
    /// Relaxing the rules already reported makes the request feasible.
    Feasible,
    /// The budget could not tell whether the request is still infeasible.
    Undecided,
}

/// The answer of one feasibility solve.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Outcome {
    Feasible,
    Infeasible,
    /// The solve ran out of time, or the budget was spent.
    Unknown,
}

/// State of the conflict search over one request.
struct Search<'a, F> {
    request: &'a PlanRequest,
    feasible: F,
    /// Whether the full request is known to be infeasible before any solve.
    known: Known,
    budget: Duration,
    deadline: Instant,
    /// Rules of conflicts already reported: relaxed for every later search.
    settled: BTreeSet<Rule>,
    /// Whether a solve of the current search could not decide, so that a rule may have been
    /// kept without being needed.
    unproven: bool,
}

impl<'a, F> Search<'a, F>
where
    F: FnMut(&PlanRequest, Duration) -> Result<bool, PlanError>,
{
    fn new(request: &'a PlanRequest, budget: Duration, known: Known, feasible: F) -> Self {
        Self {
            request,
            feasible,
            known,
            budget,
            deadline: Instant::now() + budget,
            settled: BTreeSet::new(),
            unproven: false,
        }
    }

    /// The next conflict among the rules not yet reported.
    fn next_conflict(&mut self) -> Result<Next, PlanError> {
        self.unproven = false;
        let candidates: Vec<Rule> = rules_of(self.request)
            .into_iter()
            .filter(|rule| !self.settled.contains(rule))
            .collect();

        // Whether the request clashes at all deserves a long look; whether it clashes beyond
        // the conflicts found is worth no more than any other solve.
        let share = if self.settled.is_empty() {
            FIRST_SOLVE_SHARE
        } else {
            SOLVE_SHARE
        };
        let everything = candidates.iter().copied().collect();
        let known_infeasible = self.settled.is_empty() && self.known == Known::Infeasible;
        if !known_infeasible {
            match self.test(&everything, share)? {
                Outcome::Infeasible => {}
                Outcome::Feasible => return Ok(Next::Feasible),
                Outcome::Unknown => return Ok(Next::Undecided),
            }
        }

        let rules = self.quick_explain(&BTreeSet::new(), true, candidates)?;
        self.settled.extend(rules.iter().copied());
        let minimal = !self.unproven;
        Ok(Next::Found(FoundConflict { rules, minimal }))
    }

    /// The rules of `chunk` that clash with the rules of `background` (QuickXplain). Requires
    /// `background` and `chunk` together to be infeasible; `added` says whether `background`
    /// gained rules since it was last tested.
    fn quick_explain(
        &mut self,
        background: &BTreeSet<Rule>,
        added: bool,
        chunk: Vec<Rule>,
    ) -> Result<Vec<Rule>, PlanError> {
        if added {
            match self.test(background, SOLVE_SHARE)? {
                Outcome::Infeasible => return Ok(Vec::new()),
                Outcome::Feasible => {}
                Outcome::Unknown => self.unproven = true,
            }
        }
        if chunk.len() <= 1 {
            return Ok(chunk);
        }

        let (first, second) = split(chunk);
        let with_first = background.iter().chain(&first).copied().collect();
        let from_second = self.quick_explain(&with_first, true, second)?;

        let with_second = background.iter().chain(&from_second).copied().collect();
        let mut from_first = self.quick_explain(&with_second, !from_second.is_empty(), first)?;
        from_first.extend(from_second);
        Ok(from_first)
    }

    /// Asks whether the request with only the rules `in_force` (and its facts) is feasible,
    /// within `share` of the budget and what is left of it.
    fn test(&mut self, in_force: &BTreeSet<Rule>, share: u32) -> Result<Outcome, PlanError> {
        let remaining = self.deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Ok(Outcome::Unknown);
        }

        let relaxed = rules_of(self.request)
            .into_iter()
            .filter(|rule| !in_force.contains(rule));
        let request = without_rules(self.request, &relaxed.collect());
        let time_limit = remaining.min((self.budget / share).max(MIN_SOLVE_TIME));
        match (self.feasible)(&request, time_limit) {
            Ok(true) => Ok(Outcome::Feasible),
            Ok(false) => Ok(Outcome::Infeasible),
            // A solver that fails numerically on one relaxed request says nothing about the
            // rules; the search treats it as a solve that ran out of time.
            Err(
                PlanError::TimeLimitWithoutSolution { .. }
                | PlanError::Solver(_)
                | PlanError::SolverBreakdown(_),
            ) => Ok(Outcome::Unknown),
            Err(error) => Err(error),
        }
    }
}

/// Splits a chunk of rules in two along the request's structure: between families when it spans
/// several, else between items, else between single rules.
fn split(chunk: Vec<Rule>) -> (Vec<Rule>, Vec<Rule>) {
    let families: BTreeSet<Family> = chunk.iter().map(|rule| rule.group().0).collect();
    let items: BTreeSet<(Family, usize)> = chunk.iter().map(|rule| rule.group()).collect();

    let boundary = if families.len() > 1 {
        let halfway = families.iter().nth(families.len() / 2).copied();
        chunk
            .iter()
            .position(|rule| Some(rule.group().0) == halfway)
    } else if items.len() > 1 {
        let halfway = items.iter().nth(items.len() / 2).copied();
        chunk.iter().position(|rule| Some(rule.group()) == halfway)
    } else {
        Some(chunk.len() / 2)
    };

    let mut first = chunk;
    let second = first.split_off(boundary.unwrap_or(first.len() / 2));
    (first, second)
}

/// Puts a conflict in words, with the amounts the request gives.
fn describe(request: &PlanRequest, found: &FoundConflict) -> Conflict {
    let mut message = Words::new(request).explain(&found.rules);
    if !found.minimal {
        message.push_str(
            " (some rules could not be tested within the time budget, so this set may hold more \
             rules than the clash needs)",
        );
    }
    Conflict {
        message,
        rules: found.rules.iter().map(|rule| rule.path()).collect(),
    }
}

#[cfg(test)]
mod model_tests;
#[cfg(test)]
mod tests;
