//! The CSV export, read back with the `csv` crate.

#![allow(clippy::unwrap_used)]

mod common;

use common::{london_fortnight, parse_csv};
use slotwise_export::{CSV_HEADER, event_uids, to_csv};

#[test]
fn the_csv_has_the_documented_header_and_one_row_per_post() {
    let plan = london_fortnight();
    let (header, rows) = parse_csv(&to_csv(&plan).unwrap());

    assert_eq!(header, CSV_HEADER);
    assert_eq!(rows.len(), plan.posts.len());
    let uids = event_uids(&plan).unwrap();
    for (row, uid) in rows.iter().zip(&uids) {
        assert_eq!(&row["uid"], uid);
    }
}

#[test]
fn a_row_says_what_when_and_from_where_in_words() {
    let (_, rows) = parse_csv(&to_csv(&london_fortnight()).unwrap());

    let first = &rows[0];
    assert_eq!(first["date"], "2027-03-22");
    assert_eq!(first["local_time"], "08:00");
    assert_eq!(first["weekday"], "Mon");
    assert_eq!(first["pillar"], "Behind the scenes");
    assert_eq!(first["format"], "15 s clip");
    assert_eq!(first["batch"], "shoot-1");
    assert_eq!(first["series"], "");
    assert_eq!(first["score"], "0.660");
    assert_eq!(first["pinned"], "false");
    assert_eq!(first["start_time_utc"], "2027-03-22T08:00:00Z");

    assert_eq!(rows[2]["series"], "Bread 101 1/3");
    assert_eq!(rows[3]["pinned"], "true");
    assert_eq!(rows[3]["batch"], "");
}

#[test]
fn rows_come_in_time_order_whatever_the_input_order() {
    let mut plan = london_fortnight();
    plan.posts.reverse();
    let (_, rows) = parse_csv(&to_csv(&plan).unwrap());

    let instants: Vec<&str> = rows
        .iter()
        .map(|row| row["start_time_utc"].as_str())
        .collect();
    let mut sorted = instants.clone();
    sorted.sort();
    assert_eq!(instants, sorted);
}

#[test]
fn names_with_commas_and_quotes_survive() {
    let mut plan = london_fortnight();
    plan.names.pillars[0].name = "Behind the scenes, \"raw\"".to_owned();
    let (_, rows) = parse_csv(&to_csv(&plan).unwrap());

    assert_eq!(rows[0]["pillar"], "Behind the scenes, \"raw\"");
}
