//! The mixed-integer program of a request, kept independent of the solver backend.
//!
//! Variables, with `t` a kept slot, `k` a post type and `B` a block (see [`crate::instance`]):
//! - `x[t]` binary: a planned post starts at `t`;
//! - `n[B, k]` integer: planned posts of type `k` in block `B`;
//! - `a[t, k]` continuous: the share of the post at `t` that is of type `k`, with
//!   `sum_k a[t, k] = x[t]` and `sum_{t in B} a[t, k] = n[B, k]`.
//!
//! Why `a` may be continuous: once `x` and `n` are integral, the rows left on `a` are those of a
//! transportation problem inside each block (slots supply `x[t]`, types demand `n[B, k]`, plus
//! the series rows of [`crate::series`], which only bound flows through a slot), whose matrix is
//! totally unimodular, so every vertex is integral and the solver's basic solution gives each
//! post one type. Every rule that looks at types counts `n`, so the types never need one binary
//! per slot; the objective `sum h[t] x value[k] x a[t, k]` pairs better types with better hours
//! inside a block, as the rearrangement inequality says the best schedule does.
//!
//! Where the score sits: a post of type `k` at `t` scores `h[t] x value[k]`, but the objective
//! gives `x[t]` the score of the best type at `t` and each `a[t, k]` the (non-positive)
//! difference to it. Since `sum_k a[t, k] = x[t]` is a hard row of every model, the two
//! objectives agree on every schedule; the shifted one lets the simplex start from "no type
//! assigned", which is nearly feasible, where the plain one starts from every `a` at 1. On the
//! four-week benchmark calendar this cuts microlp's pivots from about 1,600 to 400.
//!
//! The gap rule is one clique per window of length `gap` over `x`: the windows of an interval
//! graph are its maximal cliques, and with the per-day and per-week counts they form an interval
//! matrix. Counting rules are added by [`crate::rules`]; the elastic machinery (a slack and an
//! indicator per rule, used when violations are allowed) lives in [`Model::rule`].

use crate::candidates::candidate_mask;
use crate::instance::Instance;

/// A variable of the program.
#[derive(Debug, Clone, Copy)]
pub(crate) struct VarDef {
    pub lower: f64,
    pub upper: f64,
    pub integer: bool,
    /// Score of one unit; on any schedule the objective is the total score.
    pub score: f64,
}

/// A row `lower <= sum(coefficient x variable) <= upper`.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub terms: Vec<(usize, f64)>,
    pub lower: f64,
    pub upper: f64,
}

/// Which way a rule bounds its count.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Bound {
    AtLeast(f64),
    AtMost(f64),
}

/// A rule that may be broken, with its slack and its broken-or-not indicator.
#[derive(Debug, Clone)]
pub(crate) struct SoftRule {
    /// Path of the rule in the request, such as `pillars[1].min_posts`.
    pub rule: String,
    /// What the rule asks, in plain words.
    pub description: String,
    pub unit: &'static str,
    pub slack: usize,
    pub indicator: usize,
    /// The row the slack relaxes; `None` when the indicator waives the whole rule (series).
    pub row: Option<usize>,
}

/// What a rule is, for messages.
#[derive(Debug, Clone)]
pub(crate) struct RuleMeta {
    pub rule: String,
    pub description: String,
    pub unit: &'static str,
}

impl RuleMeta {
    pub fn posts(rule: String, description: String) -> Self {
        Self {
            rule,
            description,
            unit: "posts",
        }
    }
}

/// The type-count variable `n[B, k]`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CountVar {
    pub block: usize,
    /// Index into [`Instance::types`].
    pub post_type: usize,
    pub var: usize,
}

#[derive(Debug, Default)]
pub(crate) struct Model {
    pub vars: Vec<VarDef>,
    pub rows: Vec<Row>,
    /// Per slot, `x[t]` when a planned post may start there.
    pub time: Vec<Option<usize>>,
    /// Per slot, `(k, a[t, k])`.
    pub assign: Vec<Vec<(usize, usize)>>,
    pub counts: Vec<CountVar>,
    /// Per series, its episode variables (slot, variable) in time order.
    pub episodes: Vec<Vec<(usize, usize)>>,
    pub soft: Vec<SoftRule>,
    /// A rule that no schedule can obey, found while building.
    pub broken_rule: Option<String>,
    /// Whether rules may be broken at a price.
    pub elastic: bool,
    /// Slots that carry at least one post variable.
    pub candidate_slots: usize,
    /// `(planned posts, y)`: binaries choosing the number of planned posts, when modelled.
    pub total_choice: Option<Vec<(usize, usize)>>,
    /// Per slot, whether any planned post may take it (else only series episodes).
    pub candidate: Vec<bool>,
}

/// How a model treats the series of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SeriesMode {
    /// Series rows left out: a relaxation, whose optimum bounds the request's from above.
    Relaxed,
    /// Episodes only at candidate slots: a restriction, whose schedules all obey the request.
    OnCandidates,
    /// Episodes at every free slot: the request exactly.
    Exact,
}

impl Model {
    /// The program of `instance`; elastic when rules may be broken.
    pub fn build(instance: &Instance<'_>, elastic: bool, series: SeriesMode) -> Self {
        Self::build_within(instance, elastic, series, None)
    }

    /// The program with planned posts only at the slots `within` allows, when given: a
    /// restriction of the request, used to re-type a schedule's posts.
    pub fn build_within(
        instance: &Instance<'_>,
        elastic: bool,
        series: SeriesMode,
        within: Option<&[bool]>,
    ) -> Self {
        let mut model = Self {
            elastic,
            ..Self::default()
        };
        let has_series = !series_pillar_indexes(instance).is_empty();
        let episodes_anywhere = has_series && series == SeriesMode::Exact;
        let mut candidates = candidate_mask(instance, episodes_anywhere);
        if let Some(within) = within {
            candidates
                .iter_mut()
                .zip(within)
                .for_each(|(kept, allowed)| *kept &= *allowed);
        }
        model.add_posts(instance, &candidates, episodes_anywhere);
        model.candidate = candidates;
        model.add_gap_cliques(instance);
        crate::rules::add_counting_rules(&mut model, instance);
        if series != SeriesMode::Relaxed {
            crate::series::add_series(&mut model, instance);
        }
        model
    }

    pub fn add_var(&mut self, lower: f64, upper: f64, integer: bool, score: f64) -> usize {
        self.vars.push(VarDef {
            lower,
            upper,
            integer,
            score,
        });
        self.vars.len() - 1
    }

    pub fn add_row(&mut self, terms: Vec<(usize, f64)>, lower: f64, upper: f64) {
        self.rows.push(Row {
            terms,
            lower,
            upper,
        });
    }

    /// `x[t]` of the slots `t` that satisfy `keep`.
    pub fn time_terms(&self, mut keep: impl FnMut(usize) -> bool) -> Vec<(usize, f64)> {
        let used = self
            .time
            .iter()
            .enumerate()
            .filter_map(|(t, x)| x.map(|x| (t, x)));
        used.filter(|&(t, _)| keep(t))
            .map(|(_, x)| (x, 1.0))
            .collect()
    }

    /// `n[B, k]` of the counts that satisfy `keep`.
    pub fn count_terms(&self, mut keep: impl FnMut(&CountVar) -> bool) -> Vec<(usize, f64)> {
        self.counts
            .iter()
            .filter(|c| keep(c))
            .map(|c| (c.var, 1.0))
            .collect()
    }

    /// Adds `constant + terms` bounded by `bound`, hard or elastic.
    pub fn rule(&mut self, meta: RuleMeta, terms: Vec<(usize, f64)>, constant: f64, bound: Bound) {
        let (low, high) = self.range_of(&terms);
        let violation = match bound {
            Bound::AtLeast(b) => b - constant - low,
            Bound::AtMost(b) => high + constant - b,
        };
        if violation <= 1e-9 {
            return;
        }
        if terms.is_empty() && !self.elastic {
            self.broken_rule.get_or_insert(meta.rule);
            return;
        }
        if !self.elastic {
            match bound {
                Bound::AtLeast(b) => self.add_row(terms, b - constant, f64::INFINITY),
                Bound::AtMost(b) => self.add_row(terms, f64::NEG_INFINITY, b - constant),
            }
            return;
        }
        self.elastic_rule(meta, terms, constant, bound, violation);
    }

    fn elastic_rule(
        &mut self,
        meta: RuleMeta,
        mut terms: Vec<(usize, f64)>,
        constant: f64,
        bound: Bound,
        most_violation: f64,
    ) {
        let slack = self.add_var(0.0, most_violation, false, 0.0);
        let indicator = self.add_var(0.0, 1.0, true, 0.0);
        self.add_row(
            vec![(slack, 1.0), (indicator, -most_violation)],
            f64::NEG_INFINITY,
            0.0,
        );
        match bound {
            Bound::AtLeast(b) => {
                terms.push((slack, 1.0));
                self.add_row(terms, b - constant, f64::INFINITY);
            }
            Bound::AtMost(b) => {
                terms.push((slack, -1.0));
                self.add_row(terms, f64::NEG_INFINITY, b - constant);
            }
        }
        let RuleMeta {
            rule,
            description,
            unit,
        } = meta;
        let row = Some(self.rows.len() - 1);
        self.soft.push(SoftRule {
            rule,
            description,
            unit,
            slack,
            indicator,
            row,
        });
    }

    /// The schedule without planned posts, every broken rule's slack and indicator set: always
    /// feasible for an elastic model, so a solver starts from it instead of searching for one.
    pub fn without_planned_posts(&self) -> Vec<f64> {
        let mut values = vec![0.0; self.vars.len()];
        if let Some(choices) = &self.total_choice {
            choices
                .iter()
                .filter(|(planned, _)| *planned == 0)
                .for_each(|&(_, y)| values[y] = 1.0);
        }
        for rule in &self.soft {
            let needed = match rule.row.map(|r| &self.rows[r]) {
                None => self.vars[rule.slack].upper,
                Some(row) => {
                    let activity: f64 = row
                        .terms
                        .iter()
                        .filter(|(var, _)| *var != rule.slack)
                        .map(|&(var, c)| c * values[var])
                        .sum();
                    (row.lower - activity).max(activity - row.upper).max(0.0)
                }
            };
            values[rule.slack] = needed;
            values[rule.indicator] = if needed > 1e-9 { 1.0 } else { 0.0 };
        }
        values
    }

    /// Least and greatest value `terms` can take within the variable bounds.
    fn range_of(&self, terms: &[(usize, f64)]) -> (f64, f64) {
        terms.iter().fold((0.0, 0.0), |(low, high), &(var, c)| {
            let (a, b) = (c * self.vars[var].lower, c * self.vars[var].upper);
            (low + a.min(b), high + a.max(b))
        })
    }

    /// `x`, `a` and `n` for every kept slot and type; slots outside the candidate mask get only
    /// the types of series pillars, for episodes.
    fn add_posts(&mut self, instance: &Instance<'_>, candidates: &[bool], episodes_anywhere: bool) {
        let series_pillars: Vec<usize> = if episodes_anywhere {
            series_pillar_indexes(instance)
        } else {
            vec![]
        };
        self.time = vec![None; instance.slots.len()];
        self.assign = vec![vec![]; instance.slots.len()];
        for (t, slot) in instance.slots.iter().enumerate() {
            let types: Vec<usize> = slot
                .types
                .iter()
                .copied()
                .filter(|&k| candidates[t] || series_pillars.contains(&instance.types[k].pillar))
                .collect();
            if types.is_empty() {
                continue;
            }
            // The score of the best type goes on `x`, the rest on `a` as a non-positive
            // difference (see "Where the score sits" above).
            let score = |k: usize| slot.heatmap_value * instance.types[k].value;
            let best = types.iter().map(|&k| score(k)).fold(0.0, f64::max);
            let x = self.add_var(0.0, 1.0, true, best);
            let mut row = vec![(x, -1.0)];
            for k in types {
                let a = self.add_var(0.0, 1.0, false, score(k) - best);
                self.assign[t].push((k, a));
                row.push((a, 1.0));
            }
            self.time[t] = Some(x);
            self.add_row(row, 0.0, 0.0);
        }
        self.candidate_slots = self.time.iter().filter(|x| x.is_some()).count();
        self.add_counts(instance);
    }

    /// `n[B, k] = sum_{t in B} a[t, k]`.
    fn add_counts(&mut self, instance: &Instance<'_>) {
        let mut members: std::collections::BTreeMap<(usize, usize), Vec<usize>> =
            Default::default();
        for (t, slot) in instance.slots.iter().enumerate() {
            for &(k, a) in &self.assign[t] {
                members.entry((slot.block, k)).or_default().push(a);
            }
        }
        for ((block, post_type), shares) in members {
            let var = self.add_var(0.0, shares.len() as f64, true, 0.0);
            let mut row: Vec<(usize, f64)> = shares.into_iter().map(|a| (a, 1.0)).collect();
            row.push((var, -1.0));
            self.add_row(row, 0.0, 0.0);
            self.counts.push(CountVar {
                block,
                post_type,
                var,
            });
        }
    }

    /// At most one post in every window of length `gap`; only windows that end a maximal
    /// clique are written.
    fn add_gap_cliques(&mut self, instance: &Instance<'_>) {
        let used: Vec<(usize, usize)> = self
            .time
            .iter()
            .enumerate()
            .filter_map(|(t, x)| x.map(|x| (t, x)))
            .collect();
        let at = |i: usize| instance.slots[used[i].0].at;
        let mut last_end = 0;
        for i in 0..used.len() {
            let end = i
                + (i..used.len())
                    .take_while(|&j| at(j) - at(i) < instance.gap)
                    .count();
            if end <= last_end {
                continue;
            }
            last_end = end;
            if end - i > 1 {
                let terms = used[i..end].iter().map(|&(_, x)| (x, 1.0)).collect();
                self.add_row(terms, f64::NEG_INFINITY, 1.0);
            }
        }
    }
}

/// Pillars some series draws its episodes from.
pub(crate) fn series_pillar_indexes(instance: &Instance<'_>) -> Vec<usize> {
    let request = instance.request;
    request
        .series
        .iter()
        .filter(|s| s.episodes > 0)
        .filter_map(|s| request.pillars.iter().position(|p| p.id == s.pillar_id))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenarios::four_weeks_hourly;

    /// The objective puts part of a post's score on `x` and the rest on `a`; a single post of
    /// each type at each kept slot must still score heatmap value x type value.
    #[test]
    fn a_single_post_scores_its_heatmap_value_times_its_type_value() {
        let request = four_weeks_hourly();
        let instance = Instance::new(&request).expect("instance");
        let model = Model::build(&instance, false, SeriesMode::Relaxed);
        let mut checked = 0;
        for (t, slot) in instance.slots.iter().enumerate() {
            let Some(x) = model.time[t] else { continue };
            for &(k, a) in &model.assign[t] {
                let mut values = vec![0.0; model.vars.len()];
                values[x] = 1.0;
                values[a] = 1.0;
                let count = model
                    .counts
                    .iter()
                    .find(|c| c.block == slot.block && c.post_type == k)
                    .expect("a count for every assignment");
                values[count.var] = 1.0;
                let objective: f64 = model
                    .vars
                    .iter()
                    .zip(&values)
                    .map(|(v, x)| v.score * x)
                    .sum();
                let expected = slot.heatmap_value * instance.types[k].value;
                assert!(
                    (objective - expected).abs() <= 1e-12,
                    "slot {t}, type {k}: objective {objective}, score {expected}"
                );
                checked += 1;
            }
        }
        assert!(checked > 100, "only {checked} assignments checked");
    }
}
