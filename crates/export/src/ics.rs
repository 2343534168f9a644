//! iCalendar (RFC 5545) export: one VEVENT per post, for Google Calendar and Apple Calendar.
//!
//! Event times are written in UTC (`DTSTART:20270328T170000Z`) and the calendar names the
//! audience's zone in `X-WR-TIMEZONE`, rather than local times with a `TZID`. A UTC time is
//! one exact instant that every importer reads the same way, on either side of a change of
//! clocks. A `TZID` must come with a VTIMEZONE spelling out the zone's rules (chrono-tz exposes
//! no transitions to write one from), and an importer that ignores or misreads that block
//! shifts the events around the change by an hour; Google Calendar and Apple Calendar both
//! show UTC events at the right local time in whatever zone the calendar is viewed in, and
//! take `X-WR-TIMEZONE` as the zone a subscribed calendar opens in. The audience's local wall
//! clock, with its offset, is also written in each description, for whoever reads the event in
//! another zone.

use chrono::{DateTime, TimeDelta, Utc};
use icalendar::{Component, Event, EventLike, Property};

use crate::{Calendar, CalendarPost, ExportError, uid::posts_with_uids};

/// Length of each calendar event, unless [`IcsOptions::event_duration`] says otherwise.
pub const DEFAULT_EVENT_MINUTES: u32 = 15;

/// How events are written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IcsOptions {
    /// The time to set aside in the calendar for each post: a post is an instant, a calendar
    /// event needs a length to show. From a minute to a day.
    pub event_duration: TimeDelta,
    /// When this export was made. It is each event's DTSTAMP and LAST-MODIFIED, and gives its
    /// SEQUENCE: Google Calendar applies an update to an event it already holds only when the
    /// SEQUENCE has grown, so the revision number is the export's minute since 1970, which
    /// grows from one export to the next without any state kept between them.
    pub exported_at: DateTime<Utc>,
}

impl IcsOptions {
    /// Events of [`DEFAULT_EVENT_MINUTES`], exported at `exported_at`.
    pub fn new(exported_at: DateTime<Utc>) -> Self {
        Self {
            event_duration: TimeDelta::minutes(i64::from(DEFAULT_EVENT_MINUTES)),
            exported_at,
        }
    }
}

/// The calendar as an iCalendar file (CRLF line ends, long lines folded).
pub fn to_ics(calendar: &Calendar, options: &IcsOptions) -> Result<String, ExportError> {
    if options.event_duration < TimeDelta::minutes(1) || options.event_duration > TimeDelta::days(1)
    {
        return Err(ExportError::EventDuration {
            minutes: options.event_duration.num_minutes(),
        });
    }
    let posts = posts_with_uids(calendar)?;

    let mut ics = icalendar::Calendar::empty();
    ics.append_property(Property::new("VERSION", "2.0"))
        .append_property(Property::new("PRODID", "-//slotwise//calendar export//EN"))
        .append_property(Property::new("CALSCALE", "GREGORIAN"))
        .append_property(Property::new("METHOD", "PUBLISH"))
        .name(&format!("slotwise: {}", calendar.calendar_id))
        .timezone(calendar.time_zone.name());
    for (post, uid) in posts {
        ics.push(event(calendar, post, &uid, options));
    }

    Ok(ics.to_string())
}

fn event(calendar: &Calendar, post: &CalendarPost, uid: &str, options: &IcsOptions) -> Event {
    let pillar = calendar.names.pillar(&post.pillar_id);
    Event::new()
        .uid(uid)
        .summary(&summary(calendar, post))
        .description(&description(calendar, post))
        .starts(post.start_time)
        // A start within a day of the end of time cannot be a real post; keep it an instant.
        .ends(
            post.start_time
                .checked_add_signed(options.event_duration)
                .unwrap_or(post.start_time),
        )
        .categories([pillar])
        .timestamp(options.exported_at)
        .last_modified(options.exported_at)
        .sequence(sequence(options.exported_at))
        // A reminder to post, not a meeting: it must not mark the person as busy.
        .append_property(Property::new("TRANSP", "TRANSPARENT"))
        .done()
}

/// The pillar, and the episode when the post is part of a series.
pub(crate) fn summary(calendar: &Calendar, post: &CalendarPost) -> String {
    let pillar = calendar.names.pillar(&post.pillar_id);
    match &post.series {
        Some(series) => format!(
            "{pillar} · {} {}/{}",
            calendar.names.series(&series.series_id),
            series.episode,
            series.episodes
        ),
        None => pillar.to_owned(),
    }
}

/// One line per fact: what to post, from which batch, when locally, and why it scores.
fn description(calendar: &Calendar, post: &CalendarPost) -> String {
    let names = &calendar.names;
    let local = post.local_time(calendar.time_zone);
    let score = post.score;

    let mut lines = vec![
        format!("Pillar: {}", names.pillar(&post.pillar_id)),
        format!("Format: {}", names.format(&post.format_id)),
    ];
    if let Some(batch_id) = &post.batch_id {
        lines.push(format!("Batch: {batch_id}"));
    }
    if let Some(series) = &post.series {
        lines.push(format!(
            "Series: {}, episode {} of {}",
            names.series(&series.series_id),
            series.episode,
            series.episodes
        ));
    }
    if let Some(pinned_id) = &post.pinned_id {
        lines.push(format!("Pinned: already scheduled as {pinned_id}"));
    }
    lines.push(format!(
        "Local time: {} (UTC{}, {})",
        local.format("%a %-d %b %Y %H:%M %Z"),
        local.format("%:z"),
        calendar.time_zone.name()
    ));
    lines.push(format!(
        "Score: {:.3} = heatmap {:.3} x pillar weight {:.2} x format multiplier {:.2}",
        score.total, score.heatmap_value, score.pillar_weight, score.format_multiplier
    ));
    lines.join("\n")
}

/// The export's minute since 1970, capped to the 31-bit range RFC 5545 allows.
fn sequence(exported_at: DateTime<Utc>) -> u32 {
    let minutes = (exported_at.timestamp() / 60).clamp(0, i64::from(i32::MAX));
    u32::try_from(minutes).unwrap_or(0)
}
