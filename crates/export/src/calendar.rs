//! The plain input of every export: the posts of a plan, the audience's time zone, and the
//! names people know the pillars, formats and series by.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

/// A solved plan, as the exports see it.
#[derive(Debug, Clone, PartialEq)]
pub struct Calendar {
    /// Names the calendar and seeds every event uid: exports of successive versions of one
    /// plan must use the same id, so that a calendar app updates its events instead of adding
    /// new ones (see [`crate::event_uids`]).
    pub calendar_id: String,
    /// The audience's zone: every date, hour and weekday shown is local to it.
    pub time_zone: Tz,
    /// In any order; every export puts them in time order.
    pub posts: Vec<CalendarPost>,
    pub names: Names,
}

/// One post of the plan.
#[derive(Debug, Clone, PartialEq)]
pub struct CalendarPost {
    pub start_time: DateTime<Utc>,
    pub pillar_id: String,
    pub format_id: String,
    /// The filming session that made the video, when production is planned in batches.
    pub batch_id: Option<String>,
    pub series: Option<SeriesEpisode>,
    /// The id of the pinned post this is, for a post that was already on the calendar.
    pub pinned_id: Option<String>,
    pub score: Score,
}

/// The place of a post in an episodic series.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesEpisode {
    pub series_id: String,
    /// 1-based.
    pub episode: u32,
    pub episodes: u32,
}

/// A post's score: heatmap value at its local hour x pillar weight x format multiplier.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Score {
    pub total: f64,
    pub heatmap_value: f64,
    pub pillar_weight: f64,
    pub format_multiplier: f64,
}

/// An id and the name a person knows it by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub id: String,
    pub name: String,
}

impl Label {
    pub fn new(id: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
        }
    }
}

/// Display names of pillars, formats and series. An id without a name shows as itself.
///
/// The order of `pillars` fixes their colours in the pictures, so list them in the order of
/// the request: a pillar keeps its colour from one plan to the next.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Names {
    pub pillars: Vec<Label>,
    pub formats: Vec<Label>,
    pub series: Vec<Label>,
}

impl Names {
    pub fn pillar<'a>(&'a self, id: &'a str) -> &'a str {
        name_of(&self.pillars, id)
    }

    pub fn format<'a>(&'a self, id: &'a str) -> &'a str {
        name_of(&self.formats, id)
    }

    pub fn series<'a>(&'a self, id: &'a str) -> &'a str {
        name_of(&self.series, id)
    }
}

fn name_of<'a>(labels: &'a [Label], id: &'a str) -> &'a str {
    labels
        .iter()
        .find(|label| label.id == id && !label.name.is_empty())
        .map_or(id, |label| label.name.as_str())
}

impl Calendar {
    /// The posts in time order; posts at the same instant keep their input order.
    pub fn posts_in_time_order(&self) -> Vec<&CalendarPost> {
        let mut posts: Vec<&CalendarPost> = self.posts.iter().collect();
        posts.sort_by_key(|post| post.start_time);
        posts
    }

    /// Every pillar to show, in colour order: the named pillars first, in their order, then
    /// any pillar a post uses without a name, in order of first use.
    pub fn pillar_ids(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = self.names.pillars.iter().map(|p| p.id.as_str()).collect();
        for post in self.posts_in_time_order() {
            if !ids.contains(&post.pillar_id.as_str()) {
                ids.push(&post.pillar_id);
            }
        }
        ids
    }
}

impl CalendarPost {
    pub fn is_pinned(&self) -> bool {
        self.pinned_id.is_some()
    }

    pub fn local_time(&self, time_zone: Tz) -> DateTime<Tz> {
        self.start_time.with_timezone(&time_zone)
    }
}
