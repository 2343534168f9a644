//! Draws the "learned vs stated" picture for the bakery from twelve simulated weeks of posting
//! with the real learner: the bakery's stated heatmap (`examples/bakery.json`) is the prior; its
//! simulated audience is busier at breakfast (07:00-09:59) and quieter late in the evening
//! (21:00-23:59) than stated; each week four posts go to the best slots and one to a
//! Thompson-draw slot (`slotwise_slots::best_slots`), and every post's outcome is drawn from
//! the simulated audience with log-normal noise and reported as evidence.
//!
//! ```sh
//! cargo run --release --example learned_vs_stated -- examples/bakery.json \
//!     examples/pictures/bakery-learned-vs-stated.svg
//! ```
//!
//! A PNG of the same picture is written beside the SVG. The learned values are real output of
//! the learner; only the audience is simulated.

#![allow(clippy::unwrap_used)]

use std::{env, fs, path::PathBuf};

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Europe::London;
use rand::SeedableRng;
use rand_distr::{Distribution, LogNormal};
use slotwise_export::picture::{self, LearnedHeatmap};
use slotwise_slots::{
    BestSlotsQuery, EvidenceLevel, FitInput, PostEvidence, Posterior, Prior, PriorConfig, SlotMode,
    best_slots, hour_of_week,
};

/// Engagements of a post at an hour whose true activity is 1.
const ENGAGEMENTS_AT_PEAK: f64 = 400.0;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = env::args().skip(1);
    let (Some(request), Some(out)) = (args.next(), args.next()) else {
        return Err("usage: learned_vs_stated <request.json> <out.svg>".into());
    };
    let request: serde_json::Value = serde_json::from_str(&fs::read_to_string(&request)?)?;
    let stated: Vec<f64> = serde_json::from_value(request["heatmap"].clone())?;

    let posterior = twelve_weeks(&stated)?;
    let learned = learned_heatmap(&stated, &posterior);
    let title = "bakery after 12 simulated weeks (breakfast busier, late evening quieter)";
    let svg = picture::learned_vs_stated_svg(&learned, title)?;

    let out = PathBuf::from(out);
    fs::write(&out, &svg)?;
    fs::write(
        out.with_extension("png"),
        picture::svg_to_png(&svg, picture::PNG_SCALE)?,
    )?;
    Ok(())
}

/// The simulated audience: the stated heatmap, busier at breakfast, quieter late at night.
fn truth(stated: &[f64], hour_of_week: usize) -> f64 {
    let factor = match hour_of_week % 24 {
        7..=9 => 2.0,
        21..=23 => 0.4,
        _ => 1.0,
    };
    stated[hour_of_week] * factor
}

/// Plans, posts and reports twelve weeks; the posterior at the end.
fn twelve_weeks(stated: &[f64]) -> Result<Posterior, Box<dyn std::error::Error>> {
    let prior = Prior::new(PriorConfig::default())?;
    let start = London
        .with_ymd_and_hms(2027, 1, 4, 0, 0, 0)
        .unwrap()
        .to_utc();
    let noise = LogNormal::new(0.0, 0.5)?;
    let mut rng = rand::rngs::StdRng::seed_from_u64(2027);
    let mut evidence: Vec<PostEvidence> = Vec::new();

    for week in 0..12 {
        let monday = start + TimeDelta::weeks(week);
        let posterior = fit(&prior, stated, &evidence, monday)?;
        let exploit = week_query(monday, 4, SlotMode::Exploit, vec![]);
        let mut posts: Vec<DateTime<Utc>> = best_slots(&posterior, &exploit)?
            .iter()
            .map(|s| s.start)
            .collect();
        let explore = SlotMode::Explore { seed: week as u64 };
        let explored = best_slots(&posterior, &week_query(monday, 1, explore, posts.clone()))?;
        posts.extend(explored.iter().map(|s| s.start));

        for posted_at in posts {
            let hour = hour_of_week(posted_at, London);
            let value = ENGAGEMENTS_AT_PEAK * truth(stated, hour) * noise.sample(&mut rng);
            evidence.push(PostEvidence {
                posted_at,
                value: value.round(),
                format_id: None,
            });
        }
    }
    Ok(fit(
        &prior,
        stated,
        &evidence,
        start + TimeDelta::weeks(12),
    )?)
}

fn fit(
    prior: &Prior,
    stated: &[f64],
    evidence: &[PostEvidence],
    now: DateTime<Utc>,
) -> slotwise_slots::Result<Posterior> {
    prior.fit(&FitInput {
        heatmap: stated,
        time_zone: London,
        evidence,
        now,
        format_id: None,
    })
}

fn week_query(
    monday: DateTime<Utc>,
    count: usize,
    mode: SlotMode,
    existing_posts: Vec<DateTime<Utc>>,
) -> BestSlotsQuery {
    BestSlotsQuery {
        window_start: monday,
        window_end: monday + TimeDelta::weeks(1),
        slot_minutes: 60,
        count,
        min_gap_minutes: 20 * 60,
        existing_posts,
        mode,
    }
}

fn learned_heatmap(stated: &[f64], posterior: &Posterior) -> LearnedHeatmap {
    let hours = posterior.hours();
    LearnedHeatmap {
        stated: stated.to_vec(),
        mean: hours.iter().map(|h| h.value).collect(),
        low: hours.iter().map(|h| h.interval.lower).collect(),
        high: hours.iter().map(|h| h.interval.upper).collect(),
        evidence: hours
            .iter()
            .map(|h| match h.evidence {
                EvidenceLevel::PriorOnly => "prior only".to_owned(),
                EvidenceLevel::Thin | EvidenceLevel::Solid => {
                    format!("{:.1} effective posts", h.effective_posts)
                }
            })
            .collect(),
    }
}
