//! Slots of a window across daylight-saving changes, the gap to picked slots and existing
//! posts, the order of the ranking and Explore mode.

use std::sync::LazyLock;

use chrono::{DateTime, Duration, Offset, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use proptest::prelude::*;

use crate::ranking::window_slots;
use crate::week::HOURS_PER_WEEK;
use crate::{
    BestSlotsQuery, FitInput, PostEvidence, Posterior, Prior, PriorConfig, RankedSlot, SlotMode,
    best_slots,
};

fn utc(year: i32, month: u32, day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(year, month, day, hour, 0, 0).unwrap()
}

/// Built once: a debug build takes a tenth of a second to factorise the prior covariance.
static PRIOR: LazyLock<Prior> = LazyLock::new(|| Prior::new(PriorConfig::default()).unwrap());

fn posterior_of(time_zone: Tz, heatmap: &[f64], evidence: &[PostEvidence]) -> Posterior {
    PRIOR
        .fit(&FitInput {
            heatmap,
            time_zone,
            evidence,
            now: utc(2026, 6, 1, 0),
            format_id: None,
        })
        .unwrap()
}

fn flat(time_zone: Tz) -> Posterior {
    posterior_of(time_zone, &[1.0; HOURS_PER_WEEK], &[])
}

fn query(start: DateTime<Utc>, end: DateTime<Utc>, slot_minutes: u32) -> BestSlotsQuery {
    BestSlotsQuery {
        window_start: start,
        window_end: end,
        slot_minutes,
        count: 100,
        min_gap_minutes: 0,
        existing_posts: vec![],
        mode: SlotMode::Exploit,
    }
}

/// Every slot of a window, as `best_slots` on a flat heatmap with no gap returns them.
fn all_slots(time_zone: Tz, query: &BestSlotsQuery) -> Vec<RankedSlot> {
    best_slots(&flat(time_zone), query).unwrap()
}

fn local_hours(slots: &[RankedSlot]) -> Vec<u32> {
    slots.iter().map(|slot| slot.local_time.hour()).collect()
}

#[test]
fn london_skips_the_hour_summer_time_starts_with() {
    // Sunday 2026-03-29: 01:00 GMT becomes 02:00 BST; the local day has 23 hours.
    let day = query(utc(2026, 3, 29, 0), utc(2026, 3, 29, 23), 30);
    let slots = all_slots(chrono_tz::Europe::London, &day);

    assert_eq!(slots.len(), 46);
    assert!(!local_hours(&slots).contains(&1));
    assert_eq!(local_hours(&slots).iter().filter(|h| **h == 2).count(), 2);
}

#[test]
fn london_gives_two_slots_for_each_time_of_the_repeated_hour() {
    // Sunday 2026-10-25: 02:00 BST becomes 01:00 GMT; the local day has 25 hours.
    let day = query(utc(2026, 10, 24, 23), utc(2026, 10, 26, 0), 30);
    let slots = all_slots(chrono_tz::Europe::London, &day);

    assert_eq!(slots.len(), 50);
    let repeated: Vec<&RankedSlot> = slots.iter().filter(|s| s.local_time.hour() == 1).collect();
    assert_eq!(repeated.len(), 4);
    let offsets: Vec<i32> = repeated
        .iter()
        .map(|s| s.local_time.offset().local_minus_utc())
        .collect();
    assert_eq!(offsets, [3600, 3600, 0, 0]);
    assert!(repeated.iter().all(|s| s.hour_of_week == 6 * 24 + 1));
}

#[test]
fn new_york_skips_two_am_in_march_and_repeats_one_am_in_november() {
    let new_york = chrono_tz::America::New_York;
    // Sunday 2026-03-08, 02:00 EST becomes 03:00 EDT.
    let spring = all_slots(new_york, &query(utc(2026, 3, 8, 5), utc(2026, 3, 9, 4), 60));
    assert_eq!(spring.len(), 23);
    assert!(!local_hours(&spring).contains(&2));

    // Sunday 2026-11-01, 02:00 EDT becomes 01:00 EST.
    let fall = all_slots(
        new_york,
        &query(utc(2026, 11, 1, 4), utc(2026, 11, 2, 5), 60),
    );
    assert_eq!(fall.len(), 25);
    assert_eq!(local_hours(&fall).iter().filter(|h| **h == 1).count(), 2);
}

#[test]
fn slots_start_on_local_multiples_in_a_half_hour_zone() {
    let kolkata: Tz = chrono_tz::Asia::Kolkata;
    let week = query(utc(2026, 6, 1, 0), utc(2026, 6, 8, 0), 15);
    let slots = window_slots(kolkata, &week);

    assert_eq!(slots.len(), 7 * 96);
    for slot in slots {
        let local = slot.start.with_timezone(&kolkata);
        assert_eq!(local.minute() % 15, 0);
        assert_eq!(slot.start.minute() % 15, 0);
        assert_eq!(local.offset().fix().local_minus_utc(), 5 * 3600 + 1800);
    }
}

/// Slots by their definition: every instant, minute by minute, whose local time is a multiple
/// of `slot_minutes`.
fn slots_by_definition(time_zone: Tz, window: &BestSlotsQuery) -> Vec<(DateTime<Utc>, usize)> {
    let minutes = (window.window_end - window.window_start).num_minutes();
    (0..minutes)
        .map(|minute| window.window_start + Duration::minutes(minute))
        .filter(|instant| {
            let local = instant.with_timezone(&time_zone);
            (local.hour() * 60 + local.minute()) % window.slot_minutes == 0
        })
        .map(|instant| (instant, crate::hour_of_week(instant, time_zone)))
        .collect()
}

#[test]
fn window_slots_match_their_definition_across_clock_changes() {
    let lord_howe: Tz = chrono_tz::Australia::Lord_Howe; // changes by half an hour
    let cases = [
        (
            chrono_tz::Europe::London,
            utc(2026, 3, 27, 0),
            utc(2026, 10, 24, 0),
        ),
        (
            chrono_tz::America::New_York,
            utc(2026, 3, 6, 0),
            utc(2026, 10, 30, 0),
        ),
        (lord_howe, utc(2026, 4, 2, 0), utc(2026, 10, 1, 0)),
        (
            chrono_tz::Asia::Kolkata,
            utc(2026, 6, 1, 0),
            utc(2026, 6, 3, 0),
        ),
    ];
    for (time_zone, spring_or_autumn, other_change) in cases {
        for start in [spring_or_autumn, other_change] {
            for slot_minutes in [15, 30, 60] {
                let window = query(start, start + Duration::days(5), slot_minutes);
                let mut slots: Vec<(DateTime<Utc>, usize)> = window_slots(time_zone, &window)
                    .into_iter()
                    .map(|slot| (slot.start, slot.hour_of_week))
                    .collect();
                slots.sort();
                let expected = slots_by_definition(time_zone, &window);
                assert_eq!(
                    slots, expected,
                    "{time_zone} from {start}, {slot_minutes} min"
                );
            }
        }
    }
}

#[test]
fn slots_are_ranked_by_learned_value_then_by_time() {
    let mut heatmap = vec![1.0; HOURS_PER_WEEK];
    heatmap[19] = 3.0; // Monday 19:00
    heatmap[24 + 19] = 2.0; // Tuesday 19:00
    let posterior = posterior_of(chrono_tz::UTC, &heatmap, &[]);
    let two_weeks = BestSlotsQuery {
        count: 5,
        ..query(utc(2026, 6, 1, 0), utc(2026, 6, 15, 0), 60)
    };
    let slots = best_slots(&posterior, &two_weeks).unwrap();

    let starts: Vec<DateTime<Utc>> = slots.iter().map(|s| s.start).collect();
    assert_eq!(
        starts,
        [
            utc(2026, 6, 1, 19),
            utc(2026, 6, 8, 19),
            utc(2026, 6, 2, 19),
            utc(2026, 6, 9, 19),
            utc(2026, 6, 1, 0),
        ]
    );
    assert!(
        slots
            .iter()
            .all(|s| s.drawn_value.is_none() && !s.exploratory)
    );
}

#[test]
fn an_existing_post_blocks_the_slot_it_starts_in() {
    let mut window = query(utc(2026, 6, 1, 18), utc(2026, 6, 1, 20), 30);
    window.existing_posts = vec![utc(2026, 6, 1, 18) + Duration::minutes(40)];
    let slots = all_slots(chrono_tz::UTC, &window);

    let mut starts: Vec<DateTime<Utc>> = slots.iter().map(|s| s.start).collect();
    starts.sort();
    let half_hour = Duration::minutes(30);
    assert_eq!(
        starts,
        [
            utc(2026, 6, 1, 18),
            utc(2026, 6, 1, 19),
            utc(2026, 6, 1, 19) + half_hour
        ]
    );
}

#[test]
fn explore_mode_is_deterministic_for_a_seed_and_flags_what_exploit_would_not_pick() {
    let evidence: Vec<PostEvidence> = (0..10)
        .map(|k| PostEvidence {
            posted_at: utc(2026, 5, 4, 19) + Duration::days(3 * k),
            value: 2_000.0,
            format_id: None,
        })
        .collect();
    let posterior = posterior_of(chrono_tz::Europe::Berlin, &evening(), &evidence);
    let explore = |seed| {
        let window = BestSlotsQuery {
            count: 5,
            min_gap_minutes: 180,
            mode: SlotMode::Explore { seed },
            ..query(utc(2026, 6, 1, 0), utc(2026, 6, 15, 0), 15)
        };
        best_slots(&posterior, &window).unwrap()
    };
    let exploit = best_slots(
        &posterior,
        &BestSlotsQuery {
            count: 5,
            min_gap_minutes: 180,
            ..query(utc(2026, 6, 1, 0), utc(2026, 6, 15, 0), 15)
        },
    )
    .unwrap();

    assert_eq!(explore(7), explore(7));
    let runs: Vec<Vec<RankedSlot>> = (0..20).map(explore).collect();
    assert!(
        runs.iter().any(|run| run != &runs[0]),
        "seeds change the draw"
    );
    for run in &runs {
        for slot in run {
            let drawn = slot.drawn_value.unwrap();
            assert!(drawn > 0.0);
            let in_exploit = exploit.iter().any(|e| e.start == slot.start);
            assert_eq!(slot.exploratory, !in_exploit);
        }
        let drawn: Vec<f64> = run.iter().map(|s| s.drawn_value.unwrap()).collect();
        assert!(drawn.windows(2).all(|pair| pair[0] >= pair[1]));
    }
}

#[test]
fn a_bad_query_is_refused_by_field() {
    let posterior = flat(chrono_tz::UTC);
    let good = query(utc(2026, 6, 1, 0), utc(2026, 6, 8, 0), 30);
    /// Spoils one field of a valid value.
    type Spoil = fn(&mut BestSlotsQuery);
    let cases: [(&str, Spoil); 6] = [
        ("slot_minutes must be 15, 30 or 60", |q| q.slot_minutes = 20),
        ("window_end must be after window_start", |q| {
            q.window_end = q.window_start
        }),
        (
            "window_end must be at most 31 days after window_start",
            |q| q.window_end = q.window_start + Duration::days(32),
        ),
        ("count must be between 1 and 100", |q| q.count = 0),
        ("count must be between 1 and 100", |q| q.count = 101),
        ("min_gap_minutes must be at most 10080 (one week)", |q| {
            q.min_gap_minutes = 10_081
        }),
    ];
    for (message, spoil) in cases {
        let mut bad = good.clone();
        spoil(&mut bad);
        assert_eq!(
            best_slots(&posterior, &bad).unwrap_err().to_string(),
            message
        );
    }
}

static EVENING_LONDON: LazyLock<Posterior> =
    LazyLock::new(|| posterior_of(chrono_tz::Europe::London, &evening(), &[]));

fn evening() -> Vec<f64> {
    (0..HOURS_PER_WEEK)
        .map(|hour| 0.1 + (-((hour % 24) as f64 - 19.0).powi(2) / 18.0).exp())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn picks_keep_the_gap_to_each_other_and_to_existing_posts(
        gap in 0u32..600,
        slot_minutes in prop::sample::select(vec![15u32, 30, 60]),
        count in 1usize..30,
        existing in prop::collection::vec(0i64..7 * 24 * 60, 0..12),
        seed in any::<u64>(),
        explore in any::<bool>(),
    ) {
        let start = utc(2026, 10, 19, 0);
        let existing_posts: Vec<DateTime<Utc>> =
            existing.iter().map(|m| start + Duration::minutes(*m)).collect();
        let window = BestSlotsQuery {
            window_start: start,
            window_end: start + Duration::days(7),
            slot_minutes,
            count,
            min_gap_minutes: gap,
            existing_posts: existing_posts.clone(),
            mode: if explore { SlotMode::Explore { seed } } else { SlotMode::Exploit },
        };
        let slots = best_slots(&EVENING_LONDON, &window).unwrap();

        let gap = Duration::minutes(i64::from(gap));
        let length = Duration::minutes(i64::from(slot_minutes));
        let clear = |at: DateTime<Utc>, picked: &[RankedSlot]| {
            picked.iter().all(|p| (p.start - at).abs() >= gap && p.start != at)
                && existing_posts.iter().all(|&post| {
                    (post - at).abs() >= gap && !(at <= post && post < at + length)
                })
        };
        prop_assert!(slots.len() <= count);
        for (k, slot) in slots.iter().enumerate() {
            prop_assert!(clear(slot.start, &slots[..k]));
        }
        if slots.len() < count {
            // Greedy stops short only when no slot of the window is left clear.
            for candidate in window_slots(chrono_tz::Europe::London, &window) {
                prop_assert!(!clear(candidate.start, &slots));
            }
        }
    }
}
