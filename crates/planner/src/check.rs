//! An independent feasibility checker: does a schedule obey every rule of its request?
//!
//! [`check_schedule`] reads the rules as [`crate::request`] documents them and tests a schedule
//! against each one, post by post and count by count. It shares no code with the model on
//! purpose: property tests and benchmarks use it to confirm what a solver returned, so a
//! mistake in the model cannot hide behind the same mistake here.
//!
//! Readings of what the request leaves open:
//! - A post happens at its start instant: blackouts, campaign windows, days and weeks are tested
//!   at that instant in the audience's zone.
//! - Pinned posts keep their own time, so they are exempt from the slot grid and from blackouts
//!   (a blackout stops the planner from adding posts, not the caller from keeping one); every
//!   other rule counts them.
//! - A local day is in a week's share when any part of it lies inside the horizon.
//! - A themed weekday needs its post only when the whole local day lies inside the horizon; a
//!   day cut by the horizon's start or end asks for nothing.
//! - Two posts may not start at the same instant even with no minimum gap.

use std::collections::{BTreeMap, HashMap};

use chrono::{
    DateTime, Datelike, IsoWeek, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeDelta, TimeZone,
    Timelike, Utc, Weekday,
};
use chrono_tz::Tz;

use crate::request::{
    Batch, Blackout, Campaign, Format, IMPLICIT_FORMAT_ID, Pillar, PinnedPost, PlanRequest, Series,
};
use crate::schedule::{PlannedPost, Schedule};

/// Relative tolerance on scores and the objective.
const SCORE_TOLERANCE: f64 = 1e-6;

/// Slack on share and gap comparisons, which are exact in whole posts and minutes.
const COUNT_TOLERANCE: f64 = 1e-9;

/// Returns one plain message per broken rule; an empty list means the schedule is valid.
///
/// The schedule's status is not read: a caller checking solver output skips infeasible answers.
pub fn check_schedule(request: &PlanRequest, schedule: &Schedule) -> Vec<String> {
    let Ok(zone) = request.horizon.time_zone.parse::<Tz>() else {
        return vec![format!(
            "time zone `{}` is unknown",
            request.horizon.time_zone
        )];
    };
    let mut checker = Checker {
        request,
        posts: &schedule.posts,
        zone,
        broken: Vec::new(),
    };

    checker.check_time_order();
    for post in &schedule.posts {
        checker.check_placement(post);
        checker.check_references(post);
        checker.check_score(post);
    }

    checker.check_min_gap();
    checker.check_daily_max();
    checker.check_weekly_bounds();
    checker.check_pillar_quotas();
    checker.check_format_shares();
    checker.check_batches();
    checker.check_campaigns();
    checker.check_series();
    checker.check_themed_days();
    checker.check_pinned_posts();
    checker.check_objective(schedule);
    checker.broken
}

struct Checker<'a> {
    request: &'a PlanRequest,
    posts: &'a [PlannedPost],
    zone: Tz,
    broken: Vec<String>,
}

impl<'a> Checker<'a> {
    fn report(&mut self, message: String) {
        self.broken.push(message);
    }

    fn local(&self, at: DateTime<Utc>) -> DateTime<Tz> {
        at.with_timezone(&self.zone)
    }

    fn local_date(&self, post: &PlannedPost) -> NaiveDate {
        self.local(post.start_time).date_naive()
    }

    /// Names a post by its civil time, such as `2027-03-28T18:00+02:00`.
    fn label(&self, post: &PlannedPost) -> String {
        self.local(post.start_time)
            .format("%Y-%m-%dT%H:%M%:z")
            .to_string()
    }

    fn pillar(&self, id: &str) -> Option<&Pillar> {
        self.request.pillars.iter().find(|pillar| pillar.id == id)
    }

    fn format(&self, id: &str) -> Option<&Format> {
        self.request.formats.iter().find(|format| format.id == id)
    }

    fn check_time_order(&mut self) {
        for pair in self.posts.windows(2) {
            if pair[1].start_time < pair[0].start_time {
                let message = format!(
                    "posts are not in time order: {} comes after {}",
                    self.label(&pair[1]),
                    self.label(&pair[0])
                );
                self.report(message);
            }
        }
    }

    fn check_placement(&mut self, post: &PlannedPost) {
        let local = self.local(post.start_time);
        let label = self.label(post);
        let horizon = &self.request.horizon;

        if post.start_time < horizon.start || post.start_time >= horizon.end {
            let (start, end) = (horizon.start, horizon.end);
            self.report(format!(
                "post at {label} is outside the horizon {start} to {end}"
            ));
        }

        if post.pinned_id.is_none() {
            self.check_free_slot(&label, post.start_time, &local);
        }

        let offset_seconds = local.offset().fix().local_minus_utc();
        if post.local_time != local || post.local_time.offset().local_minus_utc() != offset_seconds
        {
            let given = post.local_time.to_rfc3339();
            let zone = self.zone;
            let expected = local.fixed_offset().to_rfc3339();
            self.report(format!(
                "post at {label} has local_time {given}, but its civil time in {zone} is {expected}"
            ));
        }
    }

    /// A planned post starts a slot of the local grid outside every blackout.
    fn check_free_slot(&mut self, label: &str, at: DateTime<Utc>, local: &DateTime<Tz>) {
        let slot_minutes = self.request.horizon.slot_minutes;
        if !on_slot_grid(local, slot_minutes) {
            self.report(format!(
                "post at {label} is not on the {slot_minutes}-minute slot grid"
            ));
        }

        let blackouts = &self.request.blackouts;
        let covering: Vec<usize> = (0..blackouts.len())
            .filter(|&index| blackout_covers(&blackouts[index], at, local))
            .collect();
        for index in covering {
            self.report(format!("post at {label} falls in blackouts[{index}]"));
        }
    }

    fn check_references(&mut self, post: &PlannedPost) {
        let label = self.label(post);
        if self.pillar(&post.pillar_id).is_none() {
            self.report(format!(
                "post at {label} names unknown pillar `{}`",
                post.pillar_id
            ));
        }

        if self.request.formats.is_empty() {
            if post.format_id != IMPLICIT_FORMAT_ID {
                self.report(format!(
                    "post at {label} names format `{}`, but the request lists no formats",
                    post.format_id
                ));
            }
            return;
        }

        match self.format(&post.format_id) {
            None => {
                self.report(format!(
                    "post at {label} names unknown format `{}`",
                    post.format_id
                ));
            }
            Some(format) if !covers(&format.pillar_ids, &post.pillar_id) => {
                self.report(format!(
                    "post at {label} uses format `{}`, which does not allow pillar `{}`",
                    post.format_id, post.pillar_id
                ));
            }
            Some(_) => {}
        }
    }

    fn check_score(&mut self, post: &PlannedPost) {
        let label = self.label(post);
        let score = post.score;

        let hour = hour_of_week(&self.local(post.start_time));
        if let Some(&value) = self.request.heatmap.get(hour)
            && !close(score.heatmap_value, value)
        {
            self.report(format!(
                "post at {label} has heatmap value {}, but the heatmap gives {value} at local hour \
                 {hour} of the week",
                score.heatmap_value
            ));
        }

        if let Some(pillar) = self.pillar(&post.pillar_id)
            && !close(score.pillar_weight, pillar.weight)
        {
            let weight = pillar.weight;
            self.report(format!(
                "post at {label} has pillar weight {}, but pillar `{}` weighs {weight}",
                score.pillar_weight, post.pillar_id
            ));
        }

        let multiplier = self.format_multiplier(&post.format_id);
        if let Some(multiplier) = multiplier
            && !close(score.format_multiplier, multiplier)
        {
            self.report(format!(
                "post at {label} has format multiplier {}, but format `{}` multiplies by \
                 {multiplier}",
                score.format_multiplier, post.format_id
            ));
        }

        let product = score.heatmap_value * score.pillar_weight * score.format_multiplier;
        if !close(score.total, product) {
            self.report(format!(
                "post at {label} has score {}, but heatmap value x pillar weight x format \
                 multiplier is {product}",
                score.total
            ));
        }
    }

    fn format_multiplier(&self, format_id: &str) -> Option<f64> {
        if self.request.formats.is_empty() {
            return (format_id == IMPLICIT_FORMAT_ID).then_some(1.0);
        }
        self.format(format_id).map(|format| format.multiplier)
    }

    fn check_min_gap(&mut self) {
        let gap_minutes = i64::from(self.request.frequency.min_gap_minutes);
        let mut sorted: Vec<&PlannedPost> = self.posts.iter().collect();
        sorted.sort_by_key(|post| post.start_time);

        for pair in sorted.windows(2) {
            let apart = (pair[1].start_time - pair[0].start_time).num_minutes();
            let (first, second) = (self.label(pair[0]), self.label(pair[1]));
            if pair[0].start_time == pair[1].start_time {
                self.report(format!("two posts start at {first}"));
            } else if apart < gap_minutes {
                self.report(format!(
                    "posts at {first} and {second} are {apart} minutes apart, less than the \
                     minimum gap of {gap_minutes} minutes"
                ));
            }
        }
    }

    fn check_daily_max(&mut self) {
        let Some(max) = self.request.frequency.max_posts_per_day else {
            return;
        };
        let mut per_day: BTreeMap<NaiveDate, u32> = BTreeMap::new();
        for post in self.posts {
            *per_day.entry(self.local_date(post)).or_default() += 1;
        }

        for (day, count) in per_day {
            if count > max {
                self.report(format!(
                    "{day} has {count} posts, more than the maximum of {max} per day"
                ));
            }
        }
    }

    /// Local dates any part of which lies inside the horizon.
    fn horizon_days(&self) -> Vec<NaiveDate> {
        let horizon = &self.request.horizon;
        if horizon.end <= horizon.start {
            return Vec::new();
        }
        let first = self.local(horizon.start).date_naive();
        let last = self
            .local(horizon.end - TimeDelta::nanoseconds(1))
            .date_naive();
        first.iter_days().take_while(|day| *day <= last).collect()
    }

    fn check_weekly_bounds(&mut self) {
        let frequency = &self.request.frequency;
        let (min, max) = (frequency.min_posts_per_week, frequency.max_posts_per_week);
        if min.is_none() && max.is_none() {
            return;
        }

        let mut days_per_week: BTreeMap<IsoWeek, u32> = BTreeMap::new();
        for day in self.horizon_days() {
            *days_per_week.entry(day.iso_week()).or_default() += 1;
        }
        let mut posts_per_week: HashMap<IsoWeek, u32> = HashMap::new();
        for post in self.posts {
            *posts_per_week
                .entry(self.local_date(post).iso_week())
                .or_default() += 1;
        }

        for (week, days) in days_per_week {
            let count = posts_per_week.get(&week).copied().unwrap_or(0);
            self.check_week(week, days, count, min, max);
        }
    }

    /// Bounds of a week with `days` of its 7 local days inside the horizon: the minimum scaled
    /// and rounded down, the maximum scaled and rounded up.
    fn check_week(
        &mut self,
        week: IsoWeek,
        days: u32,
        count: u32,
        min: Option<u32>,
        max: Option<u32>,
    ) {
        let name = format!("week {}-W{:02}", week.year(), week.week());
        if let Some(min) = min {
            let floor = min * days / 7;
            if count < floor {
                self.report(format!(
                    "{name} has {count} posts, fewer than the minimum of {floor} ({days} of its \
                     7 days inside the horizon)"
                ));
            }
        }
        if let Some(max) = max {
            let ceiling = (max * days).div_ceil(7);
            if count > ceiling {
                self.report(format!(
                    "{name} has {count} posts, more than the maximum of {ceiling} ({days} of its \
                     7 days inside the horizon)"
                ));
            }
        }
    }

    fn check_pillar_quotas(&mut self) {
        let total = self.posts.len();
        for pillar in &self.request.pillars {
            let count = self
                .posts
                .iter()
                .filter(|post| post.pillar_id == pillar.id)
                .count();
            let name = format!("pillar `{}`", pillar.id);
            self.check_count(&name, count, pillar.min_posts, pillar.max_posts);
            self.check_share(&name, count, total, pillar.min_share, pillar.max_share);
        }
    }

    fn check_format_shares(&mut self) {
        let total = self.posts.len();
        for format in &self.request.formats {
            let count = self
                .posts
                .iter()
                .filter(|post| post.format_id == format.id)
                .count();
            let name = format!("format `{}`", format.id);
            self.check_share(&name, count, total, format.min_share, format.max_share);
        }
    }

    fn check_count(&mut self, name: &str, count: usize, min: Option<u32>, max: Option<u32>) {
        if let Some(min) = min
            && count < min as usize
        {
            self.report(format!(
                "{name} has {count} posts, fewer than its minimum of {min}"
            ));
        }
        if let Some(max) = max
            && count > max as usize
        {
            self.report(format!(
                "{name} has {count} posts, more than its maximum of {max}"
            ));
        }
    }

    fn check_share(
        &mut self,
        name: &str,
        count: usize,
        total: usize,
        min: Option<f64>,
        max: Option<f64>,
    ) {
        let (count_f, total_f) = (count as f64, total as f64);
        if let Some(min) = min
            && count_f < min * total_f - COUNT_TOLERANCE
        {
            self.report(format!(
                "{name} has {count} of {total} posts, below its minimum share of {min}"
            ));
        }
        if let Some(max) = max
            && count_f > max * total_f + COUNT_TOLERANCE
        {
            self.report(format!(
                "{name} has {count} of {total} posts, above its maximum share of {max}"
            ));
        }
    }

    fn check_batches(&mut self) {
        if self.request.batches.is_empty() {
            for post in self.posts {
                if let Some(batch_id) = &post.batch_id {
                    let label = self.label(post);
                    self.report(format!(
                        "post at {label} names batch `{batch_id}`, but the request has no batches"
                    ));
                }
            }
            return;
        }

        let mut used: HashMap<&str, u32> = HashMap::new();
        for post in self.posts {
            if let Some(batch) = self.batch_of(post) {
                *used.entry(batch.id.as_str()).or_default() += 1;
                self.check_batch_use(post, batch);
            }
        }

        for batch in &self.request.batches {
            let count = used.get(batch.id.as_str()).copied().unwrap_or(0);
            if count > batch.capacity {
                self.report(format!(
                    "batch `{}` makes {} videos, but {count} posts use it",
                    batch.id, batch.capacity
                ));
            }
        }
    }

    /// The batch a post names, reporting a post that names none or an unknown one. A pinned
    /// post may name none: it was made already.
    fn batch_of(&mut self, post: &PlannedPost) -> Option<&'a Batch> {
        let batches: &'a [Batch] = &self.request.batches;
        let label = self.label(post);
        match &post.batch_id {
            None if post.pinned_id.is_none() => {
                self.report(format!(
                    "post at {label} names no batch, but every video comes from a batch"
                ));
                None
            }
            None => None,
            Some(id) => {
                let batch = batches.iter().find(|batch| &batch.id == id);
                if batch.is_none() {
                    self.report(format!("post at {label} names unknown batch `{id}`"));
                }
                batch
            }
        }
    }

    fn check_batch_use(&mut self, post: &PlannedPost, batch: &Batch) {
        let label = self.label(post);
        let id = &batch.id;

        if post.start_time < batch.ready_at {
            let ready = self.local(batch.ready_at).to_rfc3339();
            self.report(format!(
                "post at {label} comes before batch `{id}` is ready at {ready}"
            ));
        }
        if !covers(&batch.pillar_ids, &post.pillar_id) {
            let pillar = &post.pillar_id;
            self.report(format!(
                "batch `{id}` does not cover pillar `{pillar}` of post at {label}"
            ));
        }
        if !covers(&batch.format_ids, &post.format_id) {
            let format = &post.format_id;
            self.report(format!(
                "batch `{id}` does not cover format `{format}` of post at {label}"
            ));
        }

        if let Some(days) = batch.use_within_days {
            let stale_at = batch.ready_at + TimeDelta::days(i64::from(days));
            if post.start_time >= stale_at {
                let stale = self.local(stale_at).to_rfc3339();
                self.report(format!(
                    "post at {label} uses batch `{id}` after it goes stale at {stale}"
                ));
            }
        }
    }

    fn check_campaigns(&mut self) {
        for campaign in &self.request.campaigns {
            let count = self
                .posts
                .iter()
                .filter(|post| counts_for(campaign, post))
                .count();
            let name = format!("campaign `{}` window", campaign.id);
            self.check_count(&name, count, campaign.min_posts, campaign.max_posts);
        }
    }

    fn check_series(&mut self) {
        for post in self.posts {
            self.check_episode_label(post);
        }
        for series in &self.request.series {
            let times = self.episode_times(series);
            self.check_episode_gaps(series, &times);
        }
    }

    /// A post's episode names a known series, a number in range and the series' pillar.
    fn check_episode_label(&mut self, post: &PlannedPost) {
        let Some(episode) = &post.series_episode else {
            return;
        };
        let label = self.label(post);
        let (id, number) = (&episode.series_id, episode.episode);
        let Some(series) = self.request.series.iter().find(|series| &series.id == id) else {
            self.report(format!(
                "post at {label} is episode {number} of unknown series `{id}`"
            ));
            return;
        };

        if number == 0 || number > series.episodes {
            let episodes = series.episodes;
            self.report(format!(
                "post at {label} is episode {number} of series `{id}`, which has {episodes} \
                 episodes"
            ));
        }
        if episode.episodes != series.episodes {
            self.report(format!(
                "post at {label} says series `{id}` has {} episodes, the request says {}",
                episode.episodes, series.episodes
            ));
        }
        if post.pillar_id != series.pillar_id {
            self.report(format!(
                "post at {label} is an episode of series `{id}` but has pillar `{}`, not `{}`",
                post.pillar_id, series.pillar_id
            ));
        }
    }

    /// The start of each episode placed exactly once, reporting missing and repeated ones.
    fn episode_times(&mut self, series: &Series) -> BTreeMap<u32, DateTime<Utc>> {
        let mut placed: BTreeMap<u32, Vec<DateTime<Utc>>> = BTreeMap::new();
        for post in self.posts {
            if let Some(episode) = &post.series_episode
                && episode.series_id == series.id
            {
                placed
                    .entry(episode.episode)
                    .or_default()
                    .push(post.start_time);
            }
        }

        let mut times = BTreeMap::new();
        for number in 1..=series.episodes {
            match placed.get(&number).map(Vec::as_slice) {
                None | Some([]) => {
                    self.report(format!(
                        "series `{}` episode {number} is missing",
                        series.id
                    ));
                }
                Some([at]) => {
                    times.insert(number, *at);
                }
                Some(many) => self.report(format!(
                    "series `{}` episode {number} appears {} times",
                    series.id,
                    many.len()
                )),
            }
        }
        times
    }

    fn check_episode_gaps(&mut self, series: &Series, times: &BTreeMap<u32, DateTime<Utc>>) {
        for number in 1..series.episodes {
            let (Some(&before), Some(&after)) = (times.get(&number), times.get(&(number + 1)))
            else {
                continue;
            };
            let id = &series.id;
            let next = number + 1;
            let hours = (after - before).num_seconds() as f64 / 3600.0;

            if after <= before {
                self.report(format!(
                    "series `{id}` episode {next} does not come after episode {number}"
                ));
            } else if let Some(min) = series.min_gap_hours
                && hours < min - COUNT_TOLERANCE
            {
                self.report(format!(
                    "series `{id}` episodes {number} and {next} are {hours:.2} hours apart, less \
                     than the minimum of {min} hours"
                ));
            } else if let Some(max) = series.max_gap_hours
                && hours > max + COUNT_TOLERANCE
            {
                self.report(format!(
                    "series `{id}` episodes {number} and {next} are {hours:.2} hours apart, more \
                     than the maximum of {max} hours"
                ));
            }
        }
    }

    /// The first instant of a local date: midnight, or the end of a gap that swallows it.
    fn day_start(&self, day: NaiveDate) -> Option<DateTime<Utc>> {
        let midnight = day.and_time(NaiveTime::MIN);
        (0..48)
            .map(|half_hours| midnight + TimeDelta::minutes(30 * half_hours))
            .find_map(|civil| self.zone.from_local_datetime(&civil).earliest())
            .map(|start| start.with_timezone(&Utc))
    }

    /// Whether the whole local day lies inside the horizon.
    fn day_inside_horizon(&self, day: NaiveDate) -> bool {
        let horizon = &self.request.horizon;
        let next_day = day.succ_opt();
        match (
            self.day_start(day),
            next_day.and_then(|next| self.day_start(next)),
        ) {
            (Some(begins), Some(ends)) => begins >= horizon.start && ends <= horizon.end,
            _ => false,
        }
    }

    fn check_themed_days(&mut self) {
        let full_days: Vec<NaiveDate> = self
            .horizon_days()
            .into_iter()
            .filter(|day| self.day_inside_horizon(*day))
            .collect();

        for themed in &self.request.themed_days {
            for day in full_days
                .iter()
                .filter(|day| day.weekday() == themed.weekday)
            {
                let served = self.posts.iter().any(|post| {
                    post.pillar_id == themed.pillar_id && self.local_date(post) == *day
                });
                if !served {
                    self.report(format!(
                        "{day} is a {} with no post of pillar `{}` (themed day `{}`)",
                        themed.weekday, themed.pillar_id, themed.name
                    ));
                }
            }
        }
    }

    fn check_pinned_posts(&mut self) {
        for pinned in &self.request.pinned_posts {
            let copies: Vec<&PlannedPost> = self
                .posts
                .iter()
                .filter(|post| post.pinned_id.as_deref() == Some(pinned.id.as_str()))
                .collect();
            match copies.as_slice() {
                [] => self.report(format!("pinned post `{}` is missing", pinned.id)),
                [post] => self.check_pinned_unchanged(pinned, post),
                many => self.report(format!(
                    "pinned post `{}` appears {} times",
                    pinned.id,
                    many.len()
                )),
            }
        }

        for post in self.posts {
            if let Some(id) = &post.pinned_id
                && !self
                    .request
                    .pinned_posts
                    .iter()
                    .any(|pinned| &pinned.id == id)
            {
                let label = self.label(post);
                self.report(format!(
                    "post at {label} is flagged as pinned post `{id}`, which the request does not \
                     pin"
                ));
            }
        }
    }

    fn check_pinned_unchanged(&mut self, pinned: &PinnedPost, post: &PlannedPost) {
        let id = &pinned.id;
        if post.start_time != pinned.start_time {
            let (from, to) = (pinned.start_time, post.start_time);
            self.report(format!("pinned post `{id}` moved from {from} to {to}"));
        }
        if post.pillar_id != pinned.pillar_id {
            let (from, to) = (&pinned.pillar_id, &post.pillar_id);
            self.report(format!(
                "pinned post `{id}` changed pillar from `{from}` to `{to}`"
            ));
        }
        let format = pinned.format_id.as_deref().unwrap_or(IMPLICIT_FORMAT_ID);
        if post.format_id != format {
            let to = &post.format_id;
            self.report(format!(
                "pinned post `{id}` changed format from `{format}` to `{to}`"
            ));
        }
        if post.batch_id != pinned.batch_id {
            let (from, to) = (&pinned.batch_id, &post.batch_id);
            self.report(format!(
                "pinned post `{id}` changed batch from {from:?} to {to:?}"
            ));
        }
    }

    fn check_objective(&mut self, schedule: &Schedule) {
        let sum: f64 = self.posts.iter().map(|post| post.score.total).sum();
        let objective = schedule.objective;
        if !close(objective, sum) {
            self.report(format!(
                "objective {objective} differs from the sum of post scores {sum}"
            ));
        }

        let bound = schedule.best_bound;
        if bound < objective && !close(bound, objective) {
            self.report(format!(
                "best bound {bound} is below the objective {objective}"
            ));
        }
    }
}

fn on_slot_grid(local: &DateTime<Tz>, slot_minutes: u32) -> bool {
    let minute_of_day = local.hour() * 60 + local.minute();
    slot_minutes > 0
        && local.second() == 0
        && local.nanosecond() == 0
        && minute_of_day.is_multiple_of(slot_minutes)
}

/// Index into the heatmap: local hour of the week, Monday 00:00 first.
fn hour_of_week(local: &DateTime<Tz>) -> usize {
    (local.weekday().num_days_from_monday() * 24 + local.hour()) as usize
}

fn blackout_covers(blackout: &Blackout, at: DateTime<Utc>, local: &DateTime<Tz>) -> bool {
    match blackout {
        Blackout::Interval { start, end } => *start <= at && at < *end,
        Blackout::Daily {
            start,
            end,
            weekdays,
        } => daily_window_covers(*start, *end, weekdays, local.naive_local()),
    }
}

/// A window with `end` at or before `start` runs past midnight; its weekday is the one it
/// starts on.
fn daily_window_covers(
    start: NaiveTime,
    end: NaiveTime,
    weekdays: &[Weekday],
    civil: NaiveDateTime,
) -> bool {
    let on = |day: NaiveDate| weekdays.is_empty() || weekdays.contains(&day.weekday());
    let (day, time) = (civil.date(), civil.time());
    if start < end {
        return on(day) && start <= time && time < end;
    }

    let started_today = on(day) && time >= start;
    let started_yesterday = time < end && day.pred_opt().is_some_and(on);
    started_today || started_yesterday
}

/// An empty list of ids covers every id.
fn covers(ids: &[String], id: &str) -> bool {
    ids.is_empty() || ids.iter().any(|listed| listed == id)
}

fn counts_for(campaign: &Campaign, post: &PlannedPost) -> bool {
    let inside = campaign.start <= post.start_time && post.start_time < campaign.end;
    inside && covers(&campaign.pillar_ids, &post.pillar_id)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= SCORE_TOLERANCE * a.abs().max(b.abs()).max(f64::MIN_POSITIVE)
}

#[cfg(test)]
mod tests;
