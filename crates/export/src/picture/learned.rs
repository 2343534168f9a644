//! "Learned vs stated": for each hour of the week, the heatmap value the business stated
//! beside the value learned from its posts, with the 95% interval, so a person sees which
//! hours the evidence moved.

use svg::node::element::{Group, Line, Rectangle, Title};

use super::{
    HOURS_OF_WEEK,
    style::{self, LegendEntry, MUTED_INK, RULE, Swatch, WEEKDAYS, heading, text},
};
use crate::ExportError;

const LEFT: f64 = 64.0;
const COLUMN_WIDTH: f64 = 38.0;
const GRID_WIDTH: f64 = COLUMN_WIDTH * 24.0;
const WIDTH: f64 = LEFT + GRID_WIDTH + 48.0;
const PANEL_HEIGHT: f64 = 84.0;
const PANEL_GAP: f64 = 14.0;
const STATED_COLOUR: &str = "#c9d1d9";
const RAISED_COLOUR: &str = "#0969da";
const LOWERED_COLOUR: &str = "#cf222e";
const CONSISTENT_COLOUR: &str = "#57606a";

/// The stated heatmap and what was learned about it, by local hour of the week (Monday 00:00
/// first). The learned values come from the bandit's posterior; this picture takes them as
/// plain arrays.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LearnedHeatmap {
    /// The heatmap as the business stated it (or the platform's analytics showed it).
    pub stated: Vec<f64>,
    /// The learned value of each hour, and its 95% interval.
    pub mean: Vec<f64>,
    pub low: Vec<f64>,
    pub high: Vec<f64>,
    /// Optional, one per hour: what the learned value rests on, such as "6 posts" or "prior
    /// only"; shown in the tooltip. Empty means no labels.
    pub evidence: Vec<String>,
}

/// How the evidence left an hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    /// The whole interval is above the stated value.
    Raised,
    /// The whole interval is below it.
    Lowered,
    /// The stated value lies inside the interval.
    Consistent,
}

impl LearnedHeatmap {
    fn check(&self) -> Result<(), ExportError> {
        style::check_hours("stated", &self.stated)?;
        style::check_hours("mean", &self.mean)?;
        style::check_hours("low", &self.low)?;
        style::check_hours("high", &self.high)?;
        if !self.evidence.is_empty() && self.evidence.len() != HOURS_OF_WEEK {
            return Err(ExportError::EvidenceCount {
                got: self.evidence.len(),
            });
        }
        match (0..HOURS_OF_WEEK).find(|&hour| self.low[hour] > self.high[hour]) {
            Some(hour) => Err(ExportError::InvertedInterval {
                hour,
                low: self.low[hour],
                high: self.high[hour],
            }),
            None => Ok(()),
        }
    }

    fn verdict(&self, hour: usize) -> Verdict {
        if self.low[hour] > self.stated[hour] {
            Verdict::Raised
        } else if self.high[hour] < self.stated[hour] {
            Verdict::Lowered
        } else {
            Verdict::Consistent
        }
    }

    /// The top of the shared value axis: a round number above every value shown.
    fn axis_top(&self) -> f64 {
        let all = self.stated.iter().chain(&self.mean).chain(&self.high);
        round_up(all.copied().fold(0.0, f64::max))
    }
}

impl Verdict {
    fn colour(self) -> &'static str {
        match self {
            Verdict::Raised => RAISED_COLOUR,
            Verdict::Lowered => LOWERED_COLOUR,
            Verdict::Consistent => CONSISTENT_COLOUR,
        }
    }
}

/// Seven panels, Monday to Sunday; in each, for every local hour, a grey bar for the stated
/// value and a dot with a whisker for the learned value and its 95% interval, blue where the
/// evidence raised the hour and red where it lowered it. Each hour is a `g` of class `hour`.
/// `subject` names the account or plan in the title.
pub fn learned_vs_stated_svg(
    learned: &LearnedHeatmap,
    subject: &str,
) -> Result<String, ExportError> {
    learned.check()?;
    let axis_top = learned.axis_top();

    let counts = verdict_counts(learned);
    let subtitle = format!(
        "The evidence raised {} hours and lowered {}; {} agree with the stated value",
        counts[0], counts[1], counts[2]
    );
    let (legend, baseline) = style::legend(&legend_entries(), LEFT, 78.0, WIDTH - 16.0);
    let top = baseline + 34.0;
    let height = top + 7.0 * (PANEL_HEIGHT + PANEL_GAP) + 16.0;

    let mut document = style::page(WIDTH, height)
        .add(heading(
            LEFT,
            &format!("What the evidence changed: {subject}"),
            &subtitle,
        ))
        .add(legend)
        .add(hour_labels(top - 8.0));
    for day in 0..7 {
        let panel_top = top + day as f64 * (PANEL_HEIGHT + PANEL_GAP);
        document = document.add(panel(learned, day, panel_top, axis_top));
    }
    Ok(document.to_string())
}

fn verdict_counts(learned: &LearnedHeatmap) -> [usize; 3] {
    let mut counts = [0; 3];
    for hour in 0..HOURS_OF_WEEK {
        let index = match learned.verdict(hour) {
            Verdict::Raised => 0,
            Verdict::Lowered => 1,
            Verdict::Consistent => 2,
        };
        counts[index] += 1;
    }
    counts
}

fn legend_entries() -> Vec<LegendEntry> {
    vec![
        LegendEntry::new("stated", STATED_COLOUR, Swatch::Square),
        LegendEntry::new(
            "learned, raised: interval above stated",
            RAISED_COLOUR,
            Swatch::Dot,
        ),
        LegendEntry::new(
            "learned, lowered: interval below stated",
            LOWERED_COLOUR,
            Swatch::Dot,
        ),
        LegendEntry::new(
            "learned, stated within the 95% interval",
            CONSISTENT_COLOUR,
            Swatch::Dot,
        ),
    ]
}

fn hour_labels(baseline: f64) -> Group {
    let mut labels = Group::new().set("fill", MUTED_INK);
    for hour in 0..24 {
        let x = LEFT + (hour as f64 + 0.5) * COLUMN_WIDTH;
        labels =
            labels.add(text(x, baseline, 11.0, format!("{hour:02}")).set("text-anchor", "middle"));
    }
    labels
}

/// One weekday: its frame, value axis and 24 hours.
fn panel(learned: &LearnedHeatmap, day: usize, top: f64, axis_top: f64) -> Group {
    let bottom = top + PANEL_HEIGHT;
    let right = LEFT + GRID_WIDTH;
    let mut panel = Group::new()
        .set("class", "day")
        .add(
            Rectangle::new()
                .set("x", LEFT)
                .set("y", top)
                .set("width", GRID_WIDTH)
                .set("height", PANEL_HEIGHT)
                .set("fill", "#ffffff")
                .set("stroke", RULE),
        )
        .add(rule(top + PANEL_HEIGHT / 2.0))
        .add(
            text(
                LEFT - 10.0,
                top + PANEL_HEIGHT / 2.0 + 4.0,
                12.0,
                WEEKDAYS[day],
            )
            .set("text-anchor", "end"),
        )
        .add(
            text(right + 6.0, top + 9.0, 10.5, style::short_number(axis_top))
                .set("fill", MUTED_INK),
        )
        .add(text(right + 6.0, bottom, 10.5, "0").set("fill", MUTED_INK));
    let scale = ValueScale { bottom, axis_top };
    for hour in 0..24 {
        panel = panel.add(hour_marks(learned, day * 24 + hour, scale));
    }
    panel
}

/// A faint line across a panel at half the axis.
fn rule(y: f64) -> Line {
    Line::new()
        .set("x1", LEFT)
        .set("x2", LEFT + GRID_WIDTH)
        .set("y1", y)
        .set("y2", y)
        .set("stroke", "#eaeef2")
}

/// Maps a value to a y inside a panel.
#[derive(Debug, Clone, Copy)]
struct ValueScale {
    bottom: f64,
    axis_top: f64,
}

impl ValueScale {
    fn y(self, value: f64) -> f64 {
        let usable = PANEL_HEIGHT - 6.0;
        self.bottom - (value / self.axis_top).clamp(0.0, 1.0) * usable
    }
}

/// The stated bar, the learned whisker and dot of one hour of the week.
fn hour_marks(learned: &LearnedHeatmap, hour_of_week: usize, scale: ValueScale) -> Group {
    let left = LEFT + (hour_of_week % 24) as f64 * COLUMN_WIDTH;
    let colour = learned.verdict(hour_of_week).colour();
    let stated_y = scale.y(learned.stated[hour_of_week]);
    let whisker_x = left + 25.0;

    Group::new()
        .set("class", "hour")
        .add(Title::new(hour_tooltip(learned, hour_of_week)))
        .add(
            Rectangle::new()
                .set("x", left + 6.0)
                .set("y", stated_y)
                .set("width", 12.0)
                .set("height", scale.bottom - stated_y)
                .set("fill", STATED_COLOUR),
        )
        .add(
            Line::new()
                .set("x1", whisker_x)
                .set("x2", whisker_x)
                .set("y1", scale.y(learned.low[hour_of_week]))
                .set("y2", scale.y(learned.high[hour_of_week]))
                .set("stroke", colour)
                .set("stroke-width", 2),
        )
        .add(
            svg::node::element::Circle::new()
                .set("cx", whisker_x)
                .set("cy", scale.y(learned.mean[hour_of_week]))
                .set("r", 3.5)
                .set("fill", colour),
        )
}

fn hour_tooltip(learned: &LearnedHeatmap, hour: usize) -> String {
    let mut tooltip = format!(
        "{} · stated {} · learned {} (95%: {} to {})",
        style::hour_of_week_label(hour),
        style::short_number(learned.stated[hour]),
        style::short_number(learned.mean[hour]),
        style::short_number(learned.low[hour]),
        style::short_number(learned.high[hour]),
    );
    if let Some(evidence) = learned.evidence.get(hour) {
        tooltip.push_str(" · ");
        tooltip.push_str(evidence);
    }
    tooltip
}

/// The smallest of 1, 2, 2.5, 5 (times a power of ten) at or above `value`; 1 for nothing.
fn round_up(value: f64) -> f64 {
    if value <= 0.0 {
        return 1.0;
    }
    let power = 10f64.powf(value.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|step| step * power)
        .find(|candidate| *candidate >= value * (1.0 - 1e-12))
        .unwrap_or(10.0 * power)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_axis_rounds_up_to_a_round_number() {
        assert_eq!(round_up(0.93), 1.0);
        assert_eq!(round_up(1.3), 2.0);
        assert_eq!(round_up(2.2), 2.5);
        assert_eq!(round_up(40.0), 50.0);
        assert_eq!(round_up(0.0), 1.0);
    }
}
