//! What every picture shares: fonts, colours, text, legends, and the checks on hour arrays.

use skrifa::{
    FontRef, MetadataProvider,
    instance::{LocationRef, Size},
};
use svg::{
    Document,
    node::element::{Circle, Group, Rectangle, Text, Title},
};

use super::HOURS_OF_WEEK;
use crate::{Calendar, CalendarPost, ExportError};

/// Noto Sans is bundled for the PNG; a browser falls back to a sans-serif it has.
pub const FONT_FAMILY: &str = "Noto Sans, DejaVu Sans, Helvetica, Arial, sans-serif";
pub const INK: &str = "#1f2328";
pub const MUTED_INK: &str = "#57606a";
pub const RULE: &str = "#d0d7de";
pub const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// How wide a character is taken to be, as a share of the font size, if the font cannot say.
const FALLBACK_CHARACTER_WIDTH: f64 = 0.6;

/// A white page of `width` x `height` with the pictures' font.
pub fn page(width: f64, height: f64) -> Document {
    Document::new()
        .set("width", width)
        .set("height", height)
        .set("viewBox", (0, 0, width, height))
        .set("font-family", FONT_FAMILY)
        .set("fill", INK)
        .add(
            Rectangle::new()
                .set("width", width)
                .set("height", height)
                .set("fill", "#ffffff"),
        )
}

/// Left-aligned text whose baseline is at `y`.
pub fn text(x: f64, y: f64, size: f64, content: impl Into<String>) -> Text {
    Text::new(content)
        .set("x", x)
        .set("y", y)
        .set("font-size", size)
}

/// A title and a line under it saying what the picture shows.
pub fn heading(x: f64, title: &str, subtitle: &str) -> Group {
    Group::new()
        .add(text(x, 28.0, 18.0, title).set("font-weight", "bold"))
        .add(text(x, 48.0, 12.5, subtitle).set("fill", MUTED_INK))
}

/// The colour of the pillar at `index` of [`Calendar::pillar_ids`]: ColorBrewer's Dark2, dark
/// saturated hues that stand out on the grey heatmap and on white, with its pale yellow and its
/// grey (which a small dot on a grey cell would lose) swapped for a blue and a dark gold.
pub fn pillar_colour(index: usize) -> String {
    const PALETTE: [&str; 8] = [
        "#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#a6761d", "#1f78b4", "#b8860b",
    ];
    PALETTE[index % PALETTE.len()].to_owned()
}

/// The colour of each pillar of a calendar, looked up by pillar id.
#[derive(Debug, Clone)]
pub struct PillarColours<'a> {
    ids: Vec<&'a str>,
}

impl<'a> PillarColours<'a> {
    pub fn new(calendar: &'a Calendar) -> Self {
        Self {
            ids: calendar.pillar_ids(),
        }
    }

    pub fn of(&self, pillar_id: &str) -> String {
        let index = self.ids.iter().position(|id| *id == pillar_id);
        pillar_colour(index.unwrap_or(0))
    }
}

/// The dot that stands for one post: filled with its pillar's colour, or a ring of it when the
/// post was pinned (already scheduled), white-edged so it reads on any cell.
pub fn post_dot(x: f64, y: f64, radius: f64, colour: &str, pinned: bool) -> Circle {
    let dot = Circle::new().set("cx", x).set("cy", y).set("r", radius);
    if pinned {
        dot.set("fill", "#ffffff")
            .set("stroke", colour)
            .set("stroke-width", 2.5)
    } else {
        dot.set("fill", colour)
            .set("stroke", "#ffffff")
            .set("stroke-width", 1.5)
    }
}

/// What a tooltip says about a post: when locally, what, from where, how it scores.
pub fn post_tooltip(calendar: &Calendar, post: &CalendarPost) -> Title {
    let names = &calendar.names;
    let local = post.local_time(calendar.time_zone);
    let mut parts = vec![
        local.format("%a %-d %b %Y %H:%M %Z").to_string(),
        crate::ics::summary(calendar, post),
        names.format(&post.format_id).to_owned(),
    ];
    if let Some(batch_id) = &post.batch_id {
        parts.push(format!("batch {batch_id}"));
    }
    if post.is_pinned() {
        parts.push("pinned".to_owned());
    }
    parts.push(format!("score {:.3}", post.score.total));
    Title::new(parts.join(" · "))
}

/// A row of legend entries from `x`, wrapping before `right`; returns the group and the y of
/// the last row's baseline.
pub fn legend(entries: &[LegendEntry], x: f64, y: f64, right: f64) -> (Group, f64) {
    let mut group = Group::new().set("class", "legend");
    let (mut cursor, mut baseline) = (x, y);
    for entry in entries {
        let width = 16.0 + text_width(&entry.label, 12.0) + 22.0;
        if cursor > x && cursor + width > right {
            cursor = x;
            baseline += 22.0;
        }
        group = group
            .add(entry.swatch(cursor + 6.0, baseline - 4.0))
            .add(text(cursor + 16.0, baseline, 12.0, entry.label.clone()));
        cursor += width;
    }
    (group, baseline)
}

/// One entry of a legend: a swatch and what it means.
#[derive(Debug, Clone)]
pub struct LegendEntry {
    pub label: String,
    pub colour: String,
    pub shape: Swatch,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Swatch {
    Dot,
    Ring,
    Square,
}

impl LegendEntry {
    pub fn new(label: impl Into<String>, colour: impl Into<String>, shape: Swatch) -> Self {
        Self {
            label: label.into(),
            colour: colour.into(),
            shape,
        }
    }

    fn swatch(&self, x: f64, y: f64) -> Group {
        let swatch = match self.shape {
            Swatch::Dot => Group::new().add(post_dot(x, y, 5.5, &self.colour, false)),
            Swatch::Ring => Group::new().add(post_dot(x, y, 5.0, &self.colour, true)),
            Swatch::Square => Group::new().add(
                Rectangle::new()
                    .set("x", x - 6.0)
                    .set("y", y - 6.0)
                    .set("width", 12.0)
                    .set("height", 12.0)
                    .set("fill", self.colour.as_str()),
            ),
        };
        swatch.set("class", "swatch")
    }
}

/// A legend entry per pillar of the calendar, with its number of posts.
pub fn pillar_entries(calendar: &Calendar) -> Vec<LegendEntry> {
    let mut entries: Vec<LegendEntry> = calendar
        .pillar_ids()
        .iter()
        .enumerate()
        .map(|(index, id)| {
            let posts = calendar.posts.iter().filter(|p| p.pillar_id == *id).count();
            let label = format!("{} ({posts})", calendar.names.pillar(id));
            LegendEntry::new(label, pillar_colour(index), Swatch::Dot)
        })
        .collect();
    if calendar.posts.iter().any(CalendarPost::is_pinned) {
        entries.push(LegendEntry::new(
            "pinned: already scheduled",
            MUTED_INK,
            Swatch::Ring,
        ));
    }
    entries
}

/// How wide `content` is at `size` in the bundled Noto Sans; a browser's fallback font differs
/// by a few per cent.
pub fn text_width(content: &str, size: f64) -> f64 {
    let Ok(font) = FontRef::new(ttf_noto_sans::REGULAR) else {
        return content.chars().count() as f64 * size * FALLBACK_CHARACTER_WIDTH;
    };
    let metrics = font.glyph_metrics(Size::new(size as f32), LocationRef::default());
    let charmap = font.charmap();
    content
        .chars()
        .map(|character| {
            let advance = charmap
                .map(character)
                .and_then(|glyph| metrics.advance_width(glyph));
            advance.map_or(size * FALLBACK_CHARACTER_WIDTH, f64::from)
        })
        .sum()
}

/// `content` cut to fit `width` at `size`, with an ellipsis when cut.
pub fn fit(content: &str, size: f64, width: f64) -> String {
    if text_width(content, size) <= width {
        return content.to_owned();
    }
    let mut kept: Vec<char> = content.chars().collect();
    while !kept.is_empty() {
        kept.pop();
        let candidate = format!("{}…", kept.iter().collect::<String>().trim_end());
        if text_width(&candidate, size) <= width {
            return candidate;
        }
    }
    String::new()
}

/// A value with as many decimals as its size calls for.
pub fn short_number(value: f64) -> String {
    if value.abs() >= 100.0 {
        format!("{value:.0}")
    } else if value.abs() >= 10.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.2}")
    }
}

/// Checks that `values` has a finite value for each hour of the week.
pub fn check_hours(field: &'static str, values: &[f64]) -> Result<(), ExportError> {
    if values.len() != HOURS_OF_WEEK {
        return Err(ExportError::HourCount {
            field,
            got: values.len(),
        });
    }
    match values.iter().position(|value| !value.is_finite()) {
        Some(hour) => Err(ExportError::NotFinite {
            field,
            hour,
            value: values[hour],
        }),
        None => Ok(()),
    }
}

/// "Tue 11:00" for an hour of the week.
pub fn hour_of_week_label(hour_of_week: usize) -> String {
    format!(
        "{} {:02}:00",
        WEEKDAYS[hour_of_week / 24 % 7],
        hour_of_week % 24
    )
}
