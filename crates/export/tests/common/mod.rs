//! Plans to export, and an independent reading of the files the exports write.

#![allow(dead_code, clippy::unwrap_used)]

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use chrono_tz::Tz;
use slotwise_export::{Calendar, CalendarPost, Label, Names, Score, SeriesEpisode};

/// A post of `pillar` in the default format at `start` (RFC 3339).
pub fn post(start: &str, pillar: &str) -> CalendarPost {
    CalendarPost {
        start_time: instant(start),
        pillar_id: pillar.to_owned(),
        format_id: "short-15s".to_owned(),
        batch_id: None,
        series: None,
        pinned_id: None,
        score: Score {
            total: 0.6 * 1.1,
            heatmap_value: 0.6,
            pillar_weight: 1.1,
            format_multiplier: 1.0,
        },
    }
}

pub fn in_batch(mut post: CalendarPost, batch: &str) -> CalendarPost {
    post.batch_id = Some(batch.to_owned());
    post
}

pub fn pinned(mut post: CalendarPost, id: &str) -> CalendarPost {
    post.pinned_id = Some(id.to_owned());
    post
}

pub fn episode(mut post: CalendarPost, series: &str, episode: u32, episodes: u32) -> CalendarPost {
    post.series = Some(SeriesEpisode {
        series_id: series.to_owned(),
        episode,
        episodes,
    });
    post
}

pub fn instant(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339).unwrap().to_utc()
}

pub fn names() -> Names {
    Names {
        pillars: vec![
            Label::new("bts", "Behind the scenes"),
            Label::new("product", "Product spotlight"),
            Label::new("tips", "Baking tips"),
        ],
        formats: vec![Label::new("short-15s", "15 s clip")],
        series: vec![Label::new("bread-101", "Bread 101")],
    }
}

pub fn calendar(time_zone: Tz, posts: Vec<CalendarPost>) -> Calendar {
    Calendar {
        calendar_id: "bakery".to_owned(),
        time_zone,
        posts,
        names: names(),
    }
}

/// A London bakery's fortnight across the change to summer time (Sunday 28 March 2027), with
/// a batch, a pinned post and a series.
pub fn london_fortnight() -> Calendar {
    calendar(
        chrono_tz::Europe::London,
        vec![
            in_batch(post("2027-03-22T08:00:00Z", "bts"), "shoot-1"),
            in_batch(post("2027-03-23T12:00:00Z", "product"), "shoot-1"),
            episode(post("2027-03-24T18:00:00Z", "tips"), "bread-101", 1, 3),
            pinned(post("2027-03-26T11:00:00Z", "product"), "easter-teaser"),
            in_batch(post("2027-03-27T18:00:00Z", "bts"), "shoot-1"),
            episode(post("2027-03-28T17:00:00Z", "tips"), "bread-101", 2, 3),
            in_batch(post("2027-03-29T07:00:00Z", "bts"), "shoot-2"),
            in_batch(post("2027-03-30T11:00:00Z", "product"), "shoot-2"),
            episode(post("2027-03-31T17:00:00Z", "tips"), "bread-101", 3, 3),
            in_batch(post("2027-04-02T10:00:00Z", "bts"), "shoot-2"),
        ],
    )
}

/// One VEVENT as an independent parser (the `ical` crate) reads it: property name to value,
/// text values unescaped.
#[derive(Debug, Clone)]
pub struct ParsedEvent {
    pub properties: HashMap<String, String>,
}

impl ParsedEvent {
    pub fn get(&self, name: &str) -> &str {
        self.properties
            .get(name)
            .unwrap_or_else(|| panic!("no {name} in {:?}", self.properties))
    }

    /// DTSTART or DTEND, which the exports write in UTC.
    pub fn instant(&self, name: &str) -> DateTime<Utc> {
        let value = self.get(name);
        let naive = NaiveDateTime::parse_from_str(value, "%Y%m%dT%H%M%SZ")
            .unwrap_or_else(|_| panic!("{name} {value:?} is not a UTC date-time"));
        naive.and_utc()
    }
}

/// The calendar properties and events of an iCalendar file, read with the `ical` crate.
///
/// The `ical` crate trims the trailing whitespace of every physical line, so a space that a
/// fold leaves at the end of a segment ("Mar \r\n 2027") would vanish; it is given the file
/// with its folds undone (RFC 5545, 3.1), and checks every line is folded to 75 octets first.
pub fn parse_ics(ics: &str) -> (HashMap<String, String>, Vec<ParsedEvent>) {
    assert!(
        ics.split("\r\n").all(|line| line.len() <= 75),
        "a line is not folded"
    );
    let unfolded = ics.replace("\r\n ", "");
    let mut calendars = ical::IcalParser::new(unfolded.as_bytes());
    let calendar = calendars.next().expect("one calendar").unwrap();
    assert!(calendars.next().is_none(), "more than one calendar");

    let properties = to_map(&calendar.properties);
    let events = calendar
        .events
        .iter()
        .map(|event| ParsedEvent {
            properties: to_map(&event.properties),
        })
        .collect();
    (properties, events)
}

fn to_map(properties: &[ical::property::Property]) -> HashMap<String, String> {
    properties
        .iter()
        .map(|property| {
            let value = property.value.clone().unwrap_or_default();
            (property.name.clone(), unescape(&value))
        })
        .collect()
}

/// RFC 5545 text unescaping, which the `ical` crate leaves to its caller.
fn unescape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'N') => out.push('\n'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

/// The rows of a CSV export, read with the `csv` crate, as header name to value.
pub fn parse_csv(text: &str) -> (Vec<String>, Vec<HashMap<String, String>>) {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = reader
        .records()
        .map(|record| {
            let record = record.unwrap();
            header
                .iter()
                .cloned()
                .zip(record.iter().map(str::to_owned))
                .collect()
        })
        .collect();
    (header, rows)
}
