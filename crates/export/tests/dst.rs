//! Plans across a change of clocks: every export shows the audience's wall clock with the
//! offset in force on that side of the change.

#![allow(clippy::unwrap_used)]

mod common;

use common::{calendar, instant, parse_csv, parse_ics, post};
use slotwise_export::{IcsOptions, to_csv, to_ics};

/// The same 18:00 local post on the Saturday before and the Sunday of London's change to
/// summer time (01:00 GMT, 28 March 2027), then Monday.
fn london() -> slotwise_export::Calendar {
    calendar(
        chrono_tz::Europe::London,
        vec![
            post("2027-03-27T18:00:00Z", "bts"),
            post("2027-03-28T17:00:00Z", "tips"),
            post("2027-03-29T17:00:00Z", "product"),
        ],
    )
}

/// 09:00 local on the Saturday before and the Sunday of New York's change (2 a.m., 14 March
/// 2027), and 01:30 on Sunday, which is still standard time.
fn new_york() -> slotwise_export::Calendar {
    calendar(
        chrono_tz::America::New_York,
        vec![
            post("2027-03-13T14:00:00Z", "bts"),
            post("2027-03-14T06:30:00Z", "bts"),
            post("2027-03-14T13:00:00Z", "tips"),
        ],
    )
}

fn local_columns(plan: &slotwise_export::Calendar) -> Vec<String> {
    let (_, rows) = parse_csv(&to_csv(plan).unwrap());
    rows.iter()
        .map(|row| {
            format!(
                "{} {} {} {}",
                row["weekday"], row["date"], row["local_time"], row["utc_offset"]
            )
        })
        .collect()
}

fn ics_local_times(plan: &slotwise_export::Calendar) -> Vec<(String, String)> {
    let options = IcsOptions::new(instant("2027-03-01T00:00:00Z"));
    let (_, events) = parse_ics(&to_ics(plan, &options).unwrap());
    events
        .iter()
        .map(|event| {
            let description = event.get("DESCRIPTION");
            let local = description
                .lines()
                .find_map(|line| line.strip_prefix("Local time: "))
                .unwrap()
                .to_owned();
            (event.get("DTSTART").to_owned(), local)
        })
        .collect()
}

#[test]
fn london_csv_rows_keep_six_in_the_evening_across_the_change() {
    assert_eq!(
        local_columns(&london()),
        [
            "Sat 2027-03-27 18:00 +00:00",
            "Sun 2027-03-28 18:00 +01:00",
            "Mon 2027-03-29 18:00 +01:00",
        ]
    );
}

#[test]
fn london_events_are_exact_instants_with_the_local_clock_described() {
    assert_eq!(
        ics_local_times(&london()),
        [
            (
                "20270327T180000Z".to_owned(),
                "Sat 27 Mar 2027 18:00 GMT (UTC+00:00, Europe/London)".to_owned()
            ),
            (
                "20270328T170000Z".to_owned(),
                "Sun 28 Mar 2027 18:00 BST (UTC+01:00, Europe/London)".to_owned()
            ),
            (
                "20270329T170000Z".to_owned(),
                "Mon 29 Mar 2027 18:00 BST (UTC+01:00, Europe/London)".to_owned()
            ),
        ]
    );
}

#[test]
fn new_york_csv_rows_switch_offset_at_two_in_the_morning() {
    assert_eq!(
        local_columns(&new_york()),
        [
            "Sat 2027-03-13 09:00 -05:00",
            "Sun 2027-03-14 01:30 -05:00",
            "Sun 2027-03-14 09:00 -04:00",
        ]
    );
}

#[test]
fn new_york_events_are_exact_instants_with_the_local_clock_described() {
    assert_eq!(
        ics_local_times(&new_york()),
        [
            (
                "20270313T140000Z".to_owned(),
                "Sat 13 Mar 2027 09:00 EST (UTC-05:00, America/New_York)".to_owned()
            ),
            (
                "20270314T063000Z".to_owned(),
                "Sun 14 Mar 2027 01:30 EST (UTC-05:00, America/New_York)".to_owned()
            ),
            (
                "20270314T130000Z".to_owned(),
                "Sun 14 Mar 2027 09:00 EDT (UTC-04:00, America/New_York)".to_owned()
            ),
        ]
    );
}
