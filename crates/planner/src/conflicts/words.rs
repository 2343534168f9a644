//! Conflicts in plain words: a sentence with amounts for the clashes calendars run into most,
//! and for any other conflict each rule with its amount.
//!
//! A sentence for a known clash is used only when its arithmetic, computed from the request,
//! shows the clash on its own; otherwise the listing is the honest answer.

use chrono::{DateTime, Datelike, IsoWeek, Utc, Weekday};
use chrono_tz::Tz;

use super::Rule;
use crate::grid::Grid;
use crate::request::{Blackout, PlanRequest};

/// Words a known kind of conflict when its arithmetic shows the clash.
type MessageBuilder<'a> = fn(&Words<'a>, &[Rule]) -> Option<String>;

/// Builds conflict messages for one request.
pub(super) struct Words<'a> {
    request: &'a PlanRequest,
    time_zone: Tz,
}

impl<'a> Words<'a> {
    pub(super) fn new(request: &'a PlanRequest) -> Self {
        // The request passed validation, so the zone parses.
        let time_zone = request.horizon.time_zone.parse().unwrap_or(Tz::UTC);
        Self { request, time_zone }
    }

    /// The message of a known pair when its arithmetic shows the clash, else each rule with its
    /// amount.
    pub(super) fn explain(&self, rules: &[Rule]) -> String {
        if rules.is_empty() {
            return "the pinned posts cannot all be kept on this horizon even with every rule \
                    relaxed"
                .into();
        }

        let builders: [MessageBuilder<'a>; 7] = [
            Self::pillar_minimum_against_batches,
            Self::pillar_minimum_against_share_of_weekly_posts,
            Self::week_minimum_against_daily_maximum,
            Self::themed_day_against_pillar_maximum,
            Self::campaign_minimum_against_blackouts,
            Self::pillar_maximum_against_pinned_posts,
            Self::campaign_maximum_against_pinned_posts,
        ];
        builders
            .iter()
            .find_map(|build| build(self, rules))
            .unwrap_or_else(|| self.listing(rules))
    }

    fn listing(&self, rules: &[Rule]) -> String {
        let parts: Vec<String> = rules.iter().map(|rule| self.rule(*rule)).collect();
        match parts.as_slice() {
            [only] => format!("{only} cannot hold on this horizon"),
            _ => format!("these rules cannot all hold: {}", parts.join("; ")),
        }
    }

    /// "pillar `education` needs at least 6 posts but batches `week-1`, `week-2` ready before
    /// 2027-01-18 make only 4 videos".
    fn pillar_minimum_against_batches(&self, rules: &[Rule]) -> Option<String> {
        let (pillar_rules, batch_rules): (Vec<Rule>, Vec<Rule>) = rules
            .iter()
            .partition(|rule| matches!(rule, Rule::PillarMinPosts(_)));
        let [Rule::PillarMinPosts(p)] = pillar_rules.as_slice() else {
            return None;
        };
        let batches = indexes(&batch_rules, |rule| match rule {
            Rule::BatchCapacity(b) => Some(Some(*b)),
            _ => None,
        })?;
        if batches.is_empty() {
            return None;
        }

        let pillar = &self.request.pillars[*p];
        let needed = u64::from(pillar.min_posts?);
        let videos: u64 = batches
            .iter()
            .map(|&b| u64::from(self.request.batches[b].capacity))
            .sum();
        let used_elsewhere = self.pinned_from_batches_not_of(&batches, &pillar.id);
        let made_elsewhere = self.pinned_of_pillar_outside(&batches, &pillar.id);
        if needed <= videos.saturating_sub(used_elsewhere) + made_elsewhere {
            return None;
        }

        let names = self.batch_names(&batches);
        let end = self.local_date(self.request.horizon.end);
        let mut message = format!(
            "pillar `{}` needs at least {} but {names} ready before {end} make only {}",
            pillar.id,
            plural(needed, "post"),
            plural(videos, "video")
        );
        if used_elsewhere > 0 {
            message.push_str(&format!(
                ", {used_elsewhere} of them used by pinned posts of other pillars"
            ));
        }
        Some(message)
    }

    /// "pillar `trends` needs at least 7 posts but may have at most 25% of all posts, and at
    /// most 6 posts a week allow only 24 posts in the horizon, so only 6 can be `trends`".
    fn pillar_minimum_against_share_of_weekly_posts(&self, rules: &[Rule]) -> Option<String> {
        let [
            Rule::PillarMinPosts(p),
            Rule::PillarMaxShare(q),
            Rule::MaxPostsPerWeek,
        ] = rules
        else {
            return None;
        };
        if p != q {
            return None;
        }

        let pillar = &self.request.pillars[*p];
        let (needed, share) = (u64::from(pillar.min_posts?), pillar.max_share?);
        let per_week = u64::from(self.request.frequency.max_posts_per_week?);
        let grid = self.open_grid(&[])?;
        let total: u64 = weeks_of(&grid)
            .iter()
            .map(|(_, days, _)| (per_week * days).div_ceil(7))
            .sum();
        let allowed = (share * total as f64 + 1e-9).floor() as u64;
        if needed <= allowed {
            return None;
        }

        Some(format!(
            "pillar `{id}` needs at least {} but may have at most {} of all posts, and at most {} \
             a week allow only {} in the horizon, so only {allowed} can be `{id}`",
            plural(needed, "post"),
            percent(Some(share)),
            plural(per_week, "post"),
            plural(total, "post"),
            id = pillar.id,
        ))
    }

    /// Pinned posts made by one of `batches` for another pillar than `pillar_id`.
    fn pinned_from_batches_not_of(&self, batches: &[usize], pillar_id: &str) -> u64 {
        let ids: Vec<&str> = batches
            .iter()
            .map(|&b| self.request.batches[b].id.as_str())
            .collect();
        count(self.request.pinned_posts.iter().filter(|post| {
            post.pillar_id != pillar_id
                && post.batch_id.as_deref().is_some_and(|id| ids.contains(&id))
        }))
    }

    /// Pinned posts of `pillar_id` made by none of `batches`.
    fn pinned_of_pillar_outside(&self, batches: &[usize], pillar_id: &str) -> u64 {
        let ids: Vec<&str> = batches
            .iter()
            .map(|&b| self.request.batches[b].id.as_str())
            .collect();
        count(self.request.pinned_posts.iter().filter(|post| {
            post.pillar_id == pillar_id
                && !post.batch_id.as_deref().is_some_and(|id| ids.contains(&id))
        }))
    }

    /// "frequency asks for at least 5 posts a week but at most 1 a day leaves only 4 open days in
    /// week 2027-W03 after blackouts".
    fn week_minimum_against_daily_maximum(&self, rules: &[Rule]) -> Option<String> {
        let blackouts = indexes(rules, |rule| match rule {
            Rule::Blackout(b) => Some(Some(*b)),
            Rule::MinPostsPerWeek | Rule::MaxPostsPerDay => Some(None),
            _ => None,
        })?;
        if !rules.contains(&Rule::MinPostsPerWeek) || !rules.contains(&Rule::MaxPostsPerDay) {
            return None;
        }

        let frequency = &self.request.frequency;
        let per_week = u64::from(frequency.min_posts_per_week?);
        let per_day = u64::from(frequency.max_posts_per_day?);
        let grid = self.open_grid(&blackouts)?;
        let weeks = weeks_of(&grid);
        let (week, days, open_days) = weeks
            .into_iter()
            .find(|(_, days, open_days)| per_week * days / 7 > open_days * per_day)?;

        let after = if blackouts.is_empty() {
            ""
        } else {
            " after blackouts"
        };
        let week_name = format!("{}-W{:02}", week.year(), week.week());
        let at_most = format!("at most {} a day", plural(per_day, "post"));
        Some(if days == 7 {
            format!(
                "frequency asks for at least {} a week but {at_most} leaves only {} in week \
                 {week_name}{after}",
                plural(per_week, "post"),
                plural(open_days, "open day")
            )
        } else {
            format!(
                "frequency asks for at least {} in week {week_name} ({per_week} a week, scaled \
                 to its {days} days in the horizon) but {at_most} leaves only {}{after}",
                plural(per_week * days / 7, "post"),
                plural(open_days, "open day")
            )
        })
    }

    /// "themed day Tip Tuesday needs a `tips` post on 4 Tuesdays but `tips` may have at most 2
    /// posts".
    fn themed_day_against_pillar_maximum(&self, rules: &[Rule]) -> Option<String> {
        let ([Rule::ThemedDay(t), Rule::PillarMaxPosts(p)]
        | [Rule::PillarMaxPosts(p), Rule::ThemedDay(t)]) = rules
        else {
            return None;
        };

        let themed = &self.request.themed_days[*t];
        let pillar = &self.request.pillars[*p];
        let max = pillar.max_posts?;
        if themed.pillar_id != pillar.id {
            return None;
        }

        let grid = self.open_grid(&[])?;
        let days = count(
            grid.days
                .iter()
                .filter(|day| day.date.weekday() == themed.weekday),
        );
        if days <= u64::from(max) {
            return None;
        }
        Some(format!(
            "themed day {} needs a `{}` post on {days} {} but `{}` may have at most {}",
            self.themed_day_name(*t),
            pillar.id,
            weekday_plural(themed.weekday),
            pillar.id,
            plural(max, "post")
        ))
    }

    /// "campaign `spring-sale` needs at least 3 posts from 2027-03-01 09:00 to 2027-03-02 09:00
    /// but blackouts leave only 2 open slots in its window".
    fn campaign_minimum_against_blackouts(&self, rules: &[Rule]) -> Option<String> {
        let (campaign_rules, blackout_rules): (Vec<Rule>, Vec<Rule>) = rules
            .iter()
            .partition(|rule| matches!(rule, Rule::CampaignMinPosts(_)));
        let [Rule::CampaignMinPosts(c)] = campaign_rules.as_slice() else {
            return None;
        };
        let blackouts = indexes(&blackout_rules, |rule| match rule {
            Rule::Blackout(b) => Some(Some(*b)),
            _ => None,
        })?;

        let campaign = &self.request.campaigns[*c];
        let needed = campaign.min_posts?;
        let grid = self.open_grid(&blackouts)?;
        let inside = |at: DateTime<Utc>| campaign.start <= at && at < campaign.end;
        let open = count(
            grid.slots
                .iter()
                .zip(&grid.free)
                .filter(|(s, f)| **f && inside(s.start)),
        );
        let pinned = count(self.request.pinned_posts.iter().filter(|post| {
            inside(post.start_time) && allows(&campaign.pillar_ids, &post.pillar_id)
        }));
        if u64::from(needed) <= open + pinned {
            return None;
        }

        let cause = if blackouts.is_empty() {
            "the horizon holds"
        } else {
            "blackouts leave"
        };
        let pinned_words = if pinned > 0 {
            format!(" besides {pinned} pinned posts")
        } else {
            String::new()
        };
        Some(format!(
            "campaign `{}` needs at least {} from {} to {} but {cause} only {} in its \
             window{pinned_words}",
            campaign.id,
            plural(needed, "post"),
            self.local_time(campaign.start),
            self.local_time(campaign.end),
            plural(open, "open slot")
        ))
    }

    /// "pillar `promo` may have at most 2 posts but 3 of its posts are pinned".
    fn pillar_maximum_against_pinned_posts(&self, rules: &[Rule]) -> Option<String> {
        let [Rule::PillarMaxPosts(p)] = rules else {
            return None;
        };
        let pillar = &self.request.pillars[*p];
        let max = pillar.max_posts?;
        let pinned = count(
            self.request
                .pinned_posts
                .iter()
                .filter(|post| post.pillar_id == pillar.id),
        );
        (pinned > u64::from(max)).then(|| {
            format!(
                "pillar `{}` may have at most {} but {pinned} of its posts are pinned",
                pillar.id,
                plural(max, "post")
            )
        })
    }

    /// "campaign `launch` may have at most 1 post but 2 pinned posts fall in its window".
    fn campaign_maximum_against_pinned_posts(&self, rules: &[Rule]) -> Option<String> {
        let [Rule::CampaignMaxPosts(c)] = rules else {
            return None;
        };
        let campaign = &self.request.campaigns[*c];
        let max = campaign.max_posts?;
        let pinned = count(self.request.pinned_posts.iter().filter(|post| {
            campaign.start <= post.start_time
                && post.start_time < campaign.end
                && allows(&campaign.pillar_ids, &post.pillar_id)
        }));
        (pinned > u64::from(max)).then(|| {
            format!(
                "campaign `{}` may have at most {} but {pinned} pinned posts fall in its window",
                campaign.id,
                plural(max, "post")
            )
        })
    }

    /// The horizon's grid with only the given blackouts, no pinned post and no gap: which slots
    /// the calendar could use at all.
    fn open_grid(&self, blackouts: &[usize]) -> Option<Grid> {
        let mut request = self.request.clone();
        request.blackouts = blackouts
            .iter()
            .map(|&b| self.request.blackouts[b].clone())
            .collect();
        request.pinned_posts.clear();
        request.frequency.min_gap_minutes = 0;
        Grid::new(&request).ok()
    }

    /// One rule with its amount, such as "pillar `education` at least 6 posts".
    fn rule(&self, rule: Rule) -> String {
        let request = self.request;
        match rule {
            Rule::PillarMinPosts(i) => {
                self.pillar_bound(i, "at least", request.pillars[i].min_posts)
            }
            Rule::PillarMaxPosts(i) => {
                self.pillar_bound(i, "at most", request.pillars[i].max_posts)
            }
            Rule::PillarMinShare(i) => {
                let share = percent(request.pillars[i].min_share);
                format!(
                    "pillar `{}` at least {share} of posts",
                    request.pillars[i].id
                )
            }
            Rule::PillarMaxShare(i) => {
                let share = percent(request.pillars[i].max_share);
                format!(
                    "pillar `{}` at most {share} of posts",
                    request.pillars[i].id
                )
            }
            Rule::FormatMinShare(i) => {
                let share = percent(request.formats[i].min_share);
                format!(
                    "format `{}` at least {share} of posts",
                    request.formats[i].id
                )
            }
            Rule::FormatMaxShare(i) => {
                let share = percent(request.formats[i].max_share);
                format!(
                    "format `{}` at most {share} of posts",
                    request.formats[i].id
                )
            }
            Rule::FormatPillars(i) => {
                let format = &request.formats[i];
                format!(
                    "format `{}` only for {}",
                    format.id,
                    id_list("pillar", &format.pillar_ids)
                )
            }
            Rule::MinPostsPerWeek | Rule::MaxPostsPerWeek | Rule::MaxPostsPerDay | Rule::MinGap => {
                self.frequency_rule(rule)
            }
            Rule::BatchCapacity(_)
            | Rule::BatchReadyAt(_)
            | Rule::BatchPillars(_)
            | Rule::BatchFormats(_)
            | Rule::BatchUseWithin(_) => self.batch_rule(rule),
            Rule::CampaignMinPosts(i) => {
                self.campaign_bound(i, "at least", request.campaigns[i].min_posts)
            }
            Rule::CampaignMaxPosts(i) => {
                self.campaign_bound(i, "at most", request.campaigns[i].max_posts)
            }
            Rule::SeriesEpisodes(_) | Rule::SeriesMinGap(_) | Rule::SeriesMaxGap(_) => {
                self.series_rule(rule)
            }
            Rule::ThemedDay(i) => {
                let themed = &request.themed_days[i];
                format!(
                    "themed day {} needs a `{}` post every {}",
                    self.themed_day_name(i),
                    themed.pillar_id,
                    themed.weekday
                )
            }
            Rule::Blackout(i) => self.blackout(i),
        }
    }

    fn pillar_bound(&self, index: usize, bound: &str, posts: Option<u32>) -> String {
        let id = &self.request.pillars[index].id;
        format!(
            "pillar `{id}` {bound} {}",
            plural(posts.unwrap_or(0), "post")
        )
    }

    fn campaign_bound(&self, index: usize, bound: &str, posts: Option<u32>) -> String {
        let campaign = &self.request.campaigns[index];
        format!(
            "campaign `{}` {bound} {} from {} to {}",
            campaign.id,
            plural(posts.unwrap_or(0), "post"),
            self.local_time(campaign.start),
            self.local_time(campaign.end)
        )
    }

    fn frequency_rule(&self, rule: Rule) -> String {
        let frequency = &self.request.frequency;
        let amount = |value: Option<u32>| plural(value.unwrap_or(0), "post");
        match rule {
            Rule::MinPostsPerWeek => {
                format!("at least {} a week", amount(frequency.min_posts_per_week))
            }
            Rule::MaxPostsPerWeek => {
                format!("at most {} a week", amount(frequency.max_posts_per_week))
            }
            Rule::MaxPostsPerDay => {
                format!("at most {} a day", amount(frequency.max_posts_per_day))
            }
            _ => format!(
                "at least {} minutes between posts",
                frequency.min_gap_minutes
            ),
        }
    }

    fn batch_rule(&self, rule: Rule) -> String {
        let (_, index) = rule.group();
        let batch = &self.request.batches[index];
        let id = &batch.id;
        match rule {
            Rule::BatchCapacity(_) => {
                format!("batch `{id}` makes {}", plural(batch.capacity, "video"))
            }
            Rule::BatchReadyAt(_) => format!(
                "batch `{id}` is ready at {}",
                self.local_time(batch.ready_at)
            ),
            Rule::BatchPillars(_) => format!(
                "batch `{id}` covers only {}",
                id_list("pillar", &batch.pillar_ids)
            ),
            Rule::BatchFormats(_) => format!(
                "batch `{id}` covers only {}",
                id_list("format", &batch.format_ids)
            ),
            _ => {
                let days = plural(batch.use_within_days.unwrap_or(0), "day");
                format!("batch `{id}` must be posted within {days} of being ready")
            }
        }
    }

    fn series_rule(&self, rule: Rule) -> String {
        let (_, index) = rule.group();
        let series = &self.request.series[index];
        let id = &series.id;
        match rule {
            Rule::SeriesEpisodes(_) => format!(
                "series `{id}` places {} of pillar `{}` in order",
                plural(series.episodes, "episode"),
                series.pillar_id
            ),
            Rule::SeriesMinGap(_) => format!(
                "series `{id}` at least {} hours between episodes",
                series.min_gap_hours.unwrap_or(0.0)
            ),
            _ => format!(
                "series `{id}` at most {} hours between episodes",
                series.max_gap_hours.unwrap_or(0.0)
            ),
        }
    }

    fn blackout(&self, index: usize) -> String {
        match &self.request.blackouts[index] {
            Blackout::Interval { start, end } => {
                format!(
                    "no posting from {} to {}",
                    self.local_time(*start),
                    self.local_time(*end)
                )
            }
            Blackout::Daily {
                start,
                end,
                weekdays,
            } => {
                let days = if weekdays.is_empty() {
                    "every day".to_string()
                } else {
                    let names: Vec<String> = weekdays.iter().map(|day| day.to_string()).collect();
                    format!("on {}", names.join(", "))
                };
                format!(
                    "no posting {}-{} {days}",
                    start.format("%H:%M"),
                    end.format("%H:%M")
                )
            }
        }
    }

    fn themed_day_name(&self, index: usize) -> String {
        let themed = &self.request.themed_days[index];
        if themed.name.is_empty() {
            format!(
                "`{}` on {}",
                themed.pillar_id,
                weekday_plural(themed.weekday)
            )
        } else {
            themed.name.clone()
        }
    }

    fn batch_names(&self, batches: &[usize]) -> String {
        let ids: Vec<String> = batches
            .iter()
            .map(|&b| self.request.batches[b].id.clone())
            .collect();
        id_list("batch", &ids)
    }

    fn local_time(&self, instant: DateTime<Utc>) -> String {
        instant
            .with_timezone(&self.time_zone)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    }

    fn local_date(&self, instant: DateTime<Utc>) -> String {
        instant
            .with_timezone(&self.time_zone)
            .format("%Y-%m-%d")
            .to_string()
    }
}

/// The indexes `pick` finds in the rules, or `None` when it rejects one of them.
fn indexes(rules: &[Rule], pick: impl Fn(&Rule) -> Option<Option<usize>>) -> Option<Vec<usize>> {
    let picked: Option<Vec<Option<usize>>> = rules.iter().map(pick).collect();
    Some(picked?.into_iter().flatten().collect())
}

/// Each ISO week of the grid with its days in the horizon and its days holding a free slot.
fn weeks_of(grid: &Grid) -> Vec<(IsoWeek, u64, u64)> {
    let mut weeks: Vec<(IsoWeek, u64, u64)> = Vec::new();
    let mut open_day = vec![false; grid.days.len()];
    for (slot, free) in grid.slots.iter().zip(&grid.free) {
        open_day[slot.day] |= *free;
    }

    for (day, open) in grid.days.iter().zip(open_day) {
        match weeks.last_mut() {
            Some((week, days, opens)) if *week == day.week => {
                *days += 1;
                *opens += u64::from(open);
            }
            _ => weeks.push((day.week, 1, u64::from(open))),
        }
    }
    weeks
}

fn allows(allowed: &[String], id: &str) -> bool {
    allowed.is_empty() || allowed.iter().any(|allowed| allowed == id)
}

fn count<T>(items: impl Iterator<Item = T>) -> u64 {
    u64::try_from(items.count()).unwrap_or(u64::MAX)
}

/// "1 post", "4 posts".
fn plural(count: impl Into<u64>, noun: &str) -> String {
    let count = count.into();
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

fn weekday_plural(weekday: Weekday) -> &'static str {
    match weekday {
        Weekday::Mon => "Mondays",
        Weekday::Tue => "Tuesdays",
        Weekday::Wed => "Wednesdays",
        Weekday::Thu => "Thursdays",
        Weekday::Fri => "Fridays",
        Weekday::Sat => "Saturdays",
        Weekday::Sun => "Sundays",
    }
}

fn percent(share: Option<f64>) -> String {
    format!("{}%", (share.unwrap_or(0.0) * 1000.0).round() / 10.0)
}

/// "pillar `a`", "pillars `a`, `b`".
fn id_list(kind: &str, ids: &[String]) -> String {
    let quoted: Vec<String> = ids.iter().map(|id| format!("`{id}`")).collect();
    let kind = match (ids.len(), kind) {
        (1, _) => kind.to_string(),
        (_, "batch") => "batches".to_string(),
        _ => format!("{kind}s"),
    };
    format!("{kind} {}", quoted.join(", "))
}
