//! The iCalendar export, read back with an independent parser (the `ical` crate).

#![allow(clippy::unwrap_used)]

mod common;

use chrono::TimeDelta;
use common::{calendar, episode, in_batch, instant, london_fortnight, parse_ics, pinned, post};
use slotwise_export::{ExportError, IcsOptions, event_uids, to_ics};

fn options() -> IcsOptions {
    IcsOptions::new(instant("2027-03-01T09:30:00Z"))
}

#[test]
fn every_post_round_trips_through_an_independent_parser() {
    let plan = london_fortnight();
    let ics = to_ics(&plan, &options()).unwrap();
    let (properties, events) = parse_ics(&ics);

    assert_eq!(properties["X-WR-TIMEZONE"], "Europe/London");
    assert_eq!(properties["VERSION"], "2.0");
    assert_eq!(events.len(), plan.posts.len());
    let uids = event_uids(&plan).unwrap();
    for ((post, uid), event) in plan.posts.iter().zip(&uids).zip(&events) {
        assert_eq!(event.get("UID"), uid);
        assert_eq!(event.instant("DTSTART"), post.start_time);
        assert_eq!(
            event.instant("DTEND"),
            post.start_time + TimeDelta::minutes(15)
        );
    }
    let summaries: Vec<&str> = events.iter().map(|event| event.get("SUMMARY")).collect();
    assert_eq!(
        summaries,
        [
            "Behind the scenes",
            "Product spotlight",
            "Baking tips · Bread 101 1/3",
            "Product spotlight",
            "Behind the scenes",
            "Baking tips · Bread 101 2/3",
            "Behind the scenes",
            "Product spotlight",
            "Baking tips · Bread 101 3/3",
            "Behind the scenes",
        ]
    );
}

#[test]
fn the_description_names_pillar_format_batch_and_score() {
    let plan = london_fortnight();
    let (_, events) = parse_ics(&to_ics(&plan, &options()).unwrap());

    let description = events[0].get("DESCRIPTION");
    assert!(
        description.contains("Pillar: Behind the scenes\n"),
        "{description}"
    );
    assert!(description.contains("Format: 15 s clip\n"), "{description}");
    assert!(description.contains("Batch: shoot-1\n"), "{description}");
    assert!(
        description
            .contains("Score: 0.660 = heatmap 0.600 x pillar weight 1.10 x format multiplier 1.00"),
        "{description}"
    );
    assert!(
        events[3]
            .get("DESCRIPTION")
            .contains("Pinned: already scheduled as easter-teaser")
    );
    assert_eq!(events[0].get("CATEGORIES"), "Behind the scenes");
}

#[test]
fn events_are_updates_with_a_growing_sequence() {
    let plan = london_fortnight();
    let earlier = to_ics(&plan, &IcsOptions::new(instant("2027-03-01T09:30:00Z"))).unwrap();
    let later = to_ics(&plan, &IcsOptions::new(instant("2027-03-02T09:30:00Z"))).unwrap();

    let (_, earlier) = parse_ics(&earlier);
    let (_, later) = parse_ics(&later);
    let sequence = |event: &common::ParsedEvent| event.get("SEQUENCE").parse::<u32>().unwrap();
    assert!(sequence(&later[0]) > sequence(&earlier[0]));
    assert_eq!(later[0].get("DTSTAMP"), "20270302T093000Z");
    assert_eq!(later[0].get("TRANSP"), "TRANSPARENT");
}

#[test]
fn the_event_duration_is_configurable() {
    let plan = london_fortnight();
    let mut options = options();
    options.event_duration = TimeDelta::minutes(45);
    let (_, events) = parse_ics(&to_ics(&plan, &options).unwrap());

    for event in events {
        assert_eq!(
            event.instant("DTEND") - event.instant("DTSTART"),
            TimeDelta::minutes(45)
        );
    }

    options.event_duration = TimeDelta::zero();
    let error = to_ics(&plan, &options).unwrap_err();
    assert_eq!(
        error.to_string(),
        "the event duration must be from 1 to 1440 minutes, got 0"
    );
    options.event_duration = TimeDelta::hours(25);
    assert!(matches!(
        to_ics(&plan, &options),
        Err(ExportError::EventDuration { minutes: 1500 })
    ));
}

#[test]
fn re_exporting_the_same_plan_gives_the_same_uids() {
    let plan = london_fortnight();
    let first = parse_ics(&to_ics(&plan, &options()).unwrap()).1;
    let again =
        parse_ics(&to_ics(&plan, &IcsOptions::new(instant("2027-03-05T00:00:00Z"))).unwrap()).1;

    let uids = |events: &[common::ParsedEvent]| -> Vec<String> {
        events
            .iter()
            .map(|event| event.get("UID").to_owned())
            .collect()
    };
    assert_eq!(uids(&first), uids(&again));
    let mut distinct = uids(&first);
    distinct.sort();
    distinct.dedup();
    assert_eq!(
        distinct.len(),
        plan.posts.len(),
        "uids repeat: {:?}",
        uids(&first)
    );
}

#[test]
fn uids_read_as_what_the_post_is() {
    let uids = event_uids(&london_fortnight()).unwrap();
    assert_eq!(uids[0], "bakery/batch/shoot-1/bts/short-15s/1@slotwise");
    assert_eq!(uids[2], "bakery/series/bread-101/1@slotwise");
    assert_eq!(uids[3], "bakery/pinned/easter-teaser@slotwise");
    assert_eq!(uids[4], "bakery/batch/shoot-1/bts/short-15s/2@slotwise");
}

#[test]
fn moving_one_post_keeps_every_other_uid() {
    let plan = london_fortnight();
    let before = event_uids(&plan).unwrap();

    // The second behind-the-scenes video of shoot-1 moves from Saturday to Thursday.
    let mut moved = plan.clone();
    moved.posts[4].start_time = instant("2027-03-25T19:00:00Z");
    let after = event_uids(&moved).unwrap();

    assert_eq!(before, after);
}

#[test]
fn pinned_posts_and_episodes_keep_their_uids_wherever_they_move() {
    let plan = london_fortnight();
    let before = event_uids(&plan).unwrap();

    let mut moved = plan.clone();
    moved.posts[3].start_time = instant("2027-03-22T16:00:00Z");
    moved.posts[5].start_time = instant("2027-03-29T18:00:00Z");
    let after = event_uids(&moved).unwrap();

    assert_eq!(before, after);
}

#[test]
fn a_post_overtaking_its_twin_swaps_uids_with_it_and_nothing_else_changes() {
    let plan = london_fortnight();
    let before = event_uids(&plan).unwrap();

    // The first shoot-1 behind-the-scenes video moves after the second.
    let mut moved = plan.clone();
    moved.posts[0].start_time = instant("2027-03-27T20:00:00Z");
    let after = event_uids(&moved).unwrap();

    assert_eq!(after[0], before[4]);
    assert_eq!(after[4], before[0]);
    for index in [1, 2, 3, 5, 6, 7, 8, 9] {
        assert_eq!(after[index], before[index], "post {index}");
    }
}

#[test]
fn the_calendar_id_is_part_of_every_uid() {
    let plan = london_fortnight();
    let mut other = plan.clone();
    other.calendar_id = "bakery-spring".to_owned();

    let ours = event_uids(&plan).unwrap();
    let theirs = event_uids(&other).unwrap();
    assert!(ours.iter().all(|uid| !theirs.contains(uid)));

    other.calendar_id.clear();
    assert!(matches!(
        event_uids(&other),
        Err(ExportError::EmptyCalendarId)
    ));
}

#[test]
fn two_posts_that_would_share_a_uid_are_refused() {
    let plan = calendar(
        chrono_tz::Europe::London,
        vec![
            pinned(post("2027-03-22T08:00:00Z", "bts"), "twice"),
            pinned(post("2027-03-23T08:00:00Z", "bts"), "twice"),
        ],
    );
    let error = to_ics(&plan, &options()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "two posts would share the calendar event uid bakery/pinned/twice@slotwise"
    );
}

#[test]
fn posts_without_a_batch_are_counted_by_pillar_and_format() {
    let plan = calendar(
        chrono_tz::Europe::London,
        vec![
            post("2027-03-22T08:00:00Z", "bts"),
            in_batch(post("2027-03-23T08:00:00Z", "bts"), "shoot-1"),
            episode(post("2027-03-24T08:00:00Z", "tips"), "bread-101", 1, 2),
            post("2027-03-25T08:00:00Z", "bts"),
        ],
    );
    let uids = event_uids(&plan).unwrap();
    assert_eq!(uids[0], "bakery/post/bts/short-15s/1@slotwise");
    assert_eq!(uids[1], "bakery/batch/shoot-1/bts/short-15s/1@slotwise");
    assert_eq!(uids[3], "bakery/post/bts/short-15s/2@slotwise");
}
