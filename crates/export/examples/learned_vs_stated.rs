//! Draws the "learned vs stated" picture for the bakery example, to show what the picture
//! looks like before an account has real evidence: the stated heatmap is the one in
//! `examples/bakery.json`; the learned values are MADE UP here (the audience turns out to be
//! busier at breakfast and quieter late in the evening than stated, with narrow intervals where the
//! bakery posts often and wide ones elsewhere). Real learned values come from the account's
//! posterior.
//!
//! ```sh
//! cargo run -p slotwise-export --example learned_vs_stated -- examples/bakery.json \
//!     examples/pictures/bakery-learned-vs-stated.svg
//! ```
//!
//! A PNG of the same picture is written beside the SVG.

use std::{env, fs, path::PathBuf};

use slotwise_export::picture::{self, HOURS_OF_WEEK, LearnedHeatmap};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = env::args().skip(1);
    let (Some(request), Some(out)) = (args.next(), args.next()) else {
        return Err("usage: learned_vs_stated <request.json> <out.svg>".into());
    };
    let request: serde_json::Value = serde_json::from_str(&fs::read_to_string(&request)?)?;
    let stated: Vec<f64> = serde_json::from_value(request["heatmap"].clone())?;

    let learned = made_up_learning(&stated);
    let svg = picture::learned_vs_stated_svg(&learned, "bakery (illustrative learned values)")?;

    let out = PathBuf::from(out);
    fs::write(&out, &svg)?;
    fs::write(
        out.with_extension("png"),
        picture::svg_to_png(&svg, picture::PNG_SCALE)?,
    )?;
    Ok(())
}

/// Breakfast hours (07-09) learned busier, late evenings (20-22) quieter; intervals narrow
/// where the bakery posts (mornings and evenings), wide at night.
fn made_up_learning(stated: &[f64]) -> LearnedHeatmap {
    let mut learned = LearnedHeatmap {
        stated: stated.to_vec(),
        ..LearnedHeatmap::default()
    };
    for (hour_of_week, value) in stated.iter().enumerate() {
        let hour = hour_of_week % 24;
        let shift = match hour {
            7..=9 => 0.18,
            20..=22 => -0.22,
            _ => 0.02 * ((hour_of_week % 7) as f64 - 3.0) / 3.0,
        };
        let posts = match hour {
            7..=12 | 16..=22 => 4 + hour_of_week % 5,
            _ => hour_of_week % 2,
        };
        let half_width = 0.25 / (1.0 + posts as f64).sqrt();
        let mean = (value + shift).max(0.0);
        learned.mean.push(mean);
        learned.low.push((mean - half_width).max(0.0));
        learned.high.push(mean + half_width);
        learned.evidence.push(format!("{posts} posts"));
    }
    debug_assert_eq!(learned.mean.len(), HOURS_OF_WEEK);
    learned
}
