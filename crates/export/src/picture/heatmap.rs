//! The audience heatmap, Monday to Sunday by local hour, with a dot per planned post.

use std::collections::BTreeMap;

use chrono::{Datelike, Timelike};
use svg::node::element::{Group, LinearGradient, Rectangle, Stop, Title};

use super::style::{self, MUTED_INK, PillarColours, WEEKDAYS, heading, text};
use crate::{Calendar, CalendarPost, ExportError};

const LEFT: f64 = 64.0;
const TOP: f64 = 96.0;
const CELL_WIDTH: f64 = 38.0;
const CELL_HEIGHT: f64 = 32.0;
const GRID_WIDTH: f64 = CELL_WIDTH * 24.0;
const GRID_HEIGHT: f64 = CELL_HEIGHT * 7.0;
const WIDTH: f64 = LEFT + GRID_WIDTH + 24.0;
/// The greys the scale runs through: light enough at the top that the darkest cell still
/// lets a coloured dot stand out.
const SCALE_FROM: f64 = 0.04;
const SCALE_TO: f64 = 0.72;

/// The heatmap (168 values, Monday 00:00 first, local hours) with every post of the calendar
/// drawn as a dot in the cell of its local weekday and hour. Each dot is a `circle` of class
/// `post`; posts that share a cell (the same hour in different weeks) sit side by side.
pub fn heatmap_svg(calendar: &Calendar, heatmap: &[f64]) -> Result<String, ExportError> {
    check_heatmap(heatmap)?;
    let peak = heatmap.iter().copied().fold(0.0, f64::max);

    let subtitle = format!(
        "Audience activity by local hour ({}); each dot is a planned post, coloured by pillar",
        calendar.time_zone.name()
    );
    let title = format!("When the audience is there: {}", calendar.calendar_id);
    let (scale, scale_bottom) = colour_scale(peak, TOP + GRID_HEIGHT + 34.0);
    let entries = style::pillar_entries(calendar);
    let (legend, baseline) = style::legend(&entries, LEFT, scale_bottom + 30.0, WIDTH - 16.0);

    let document = style::page(WIDTH, baseline + 22.0)
        .add(heading(LEFT, &title, &subtitle))
        .add(axes())
        .add(cells(heatmap, peak))
        .add(dots(calendar))
        .add(scale)
        .add(legend);
    Ok(document.to_string())
}

fn check_heatmap(heatmap: &[f64]) -> Result<(), ExportError> {
    style::check_hours("heatmap", heatmap)?;
    match heatmap.iter().position(|value| *value < 0.0) {
        Some(hour) => Err(ExportError::Negative {
            field: "heatmap",
            hour,
            value: heatmap[hour],
        }),
        None => Ok(()),
    }
}

/// Hour numbers above the grid, weekday names to its left.
fn axes() -> Group {
    let mut axes = Group::new().set("fill", MUTED_INK).set("font-size", 11);
    for hour in 0..24 {
        let x = LEFT + (hour as f64 + 0.5) * CELL_WIDTH;
        axes =
            axes.add(text(x, TOP - 8.0, 11.0, format!("{hour:02}")).set("text-anchor", "middle"));
    }
    for (day, name) in WEEKDAYS.iter().enumerate() {
        let y = TOP + (day as f64 + 0.5) * CELL_HEIGHT + 4.0;
        axes = axes.add(text(LEFT - 10.0, y, 12.0, *name).set("text-anchor", "end"));
    }
    axes
}

fn cells(heatmap: &[f64], peak: f64) -> Group {
    let mut cells = Group::new().set("class", "cells");
    for (hour_of_week, value) in heatmap.iter().enumerate() {
        let (day, hour) = (hour_of_week / 24, hour_of_week % 24);
        let fraction = if peak > 0.0 { value / peak } else { 0.0 };
        let tooltip = format!(
            "{} · audience {}",
            style::hour_of_week_label(hour_of_week),
            style::short_number(*value)
        );
        cells = cells.add(
            Rectangle::new()
                .set("class", "cell")
                .set("x", LEFT + hour as f64 * CELL_WIDTH)
                .set("y", TOP + day as f64 * CELL_HEIGHT)
                .set("width", CELL_WIDTH)
                .set("height", CELL_HEIGHT)
                .set("fill", heat_colour(fraction))
                .set("stroke", "#ffffff")
                .set("stroke-width", 1)
                .add(Title::new(tooltip)),
        );
    }
    cells
}

/// The grey for a share of the busiest hour.
fn heat_colour(fraction: f64) -> String {
    let position = SCALE_FROM + (SCALE_TO - SCALE_FROM) * fraction.clamp(0.0, 1.0);
    format!("#{:x}", colorous::GREYS.eval_continuous(position))
}

/// One dot per post; the posts of one cell are laid out on a small grid inside it.
fn dots(calendar: &Calendar) -> Group {
    let colours = PillarColours::new(calendar);
    let mut by_cell: BTreeMap<(u32, u32), Vec<&CalendarPost>> = BTreeMap::new();
    for post in calendar.posts_in_time_order() {
        let local = post.local_time(calendar.time_zone);
        let cell = (local.weekday().num_days_from_monday(), local.hour());
        by_cell.entry(cell).or_default().push(post);
    }

    let mut dots = Group::new().set("class", "posts");
    for ((day, hour), posts) in by_cell {
        let left = LEFT + f64::from(hour) * CELL_WIDTH;
        let top = TOP + f64::from(day) * CELL_HEIGHT;
        for (post, (x, y, radius)) in posts.iter().zip(dot_layout(posts.len())) {
            let dot = style::post_dot(
                left + x,
                top + y,
                radius,
                &colours.of(&post.pillar_id),
                post.is_pinned(),
            );
            dots = dots.add(
                dot.set("class", "post")
                    .add(style::post_tooltip(calendar, post)),
            );
        }
    }
    dots
}

/// Centres (within a cell) and radius of `count` dots, on as square a grid as the cell allows.
fn dot_layout(count: usize) -> Vec<(f64, f64, f64)> {
    let aspect = CELL_WIDTH / CELL_HEIGHT;
    let columns = ((count as f64 * aspect).sqrt().ceil() as usize).clamp(1, count.max(1));
    let rows = count.div_ceil(columns);
    let pitch = (CELL_WIDTH / columns as f64).min(CELL_HEIGHT / rows as f64);
    let radius = (pitch * 0.4).min(6.0);

    (0..count)
        .map(|index| {
            let (row, column) = (index / columns, index % columns);
            let in_row = if row + 1 == rows {
                count - row * columns
            } else {
                columns
            };
            let x = CELL_WIDTH / 2.0 + (column as f64 - (in_row as f64 - 1.0) / 2.0) * pitch;
            let y = CELL_HEIGHT / 2.0 + (row as f64 - (rows as f64 - 1.0) / 2.0) * pitch;
            (x, y, radius)
        })
        .collect()
}

/// A horizontal bar from no audience to the busiest hour, with both ends labelled.
fn colour_scale(peak: f64, top: f64) -> (Group, f64) {
    const BAR_WIDTH: f64 = 240.0;
    const BAR_HEIGHT: f64 = 12.0;
    let bar_left = LEFT + 118.0;

    let mut gradient = LinearGradient::new().set("id", "audience-scale");
    for step in 0..=10 {
        let fraction = f64::from(step) / 10.0;
        gradient = gradient.add(
            Stop::new()
                .set("offset", fraction)
                .set("stop-color", heat_colour(fraction)),
        );
    }
    let label_y = top + BAR_HEIGHT - 1.0;
    let scale = Group::new()
        .set("class", "colour-scale")
        .add(gradient)
        .add(text(LEFT, label_y, 12.0, "Audience activity"))
        .add(
            text(bar_left - 6.0, label_y, 11.0, "0")
                .set("text-anchor", "end")
                .set("fill", MUTED_INK),
        )
        .add(
            Rectangle::new()
                .set("x", bar_left)
                .set("y", top)
                .set("width", BAR_WIDTH)
                .set("height", BAR_HEIGHT)
                .set("fill", "url(#audience-scale)")
                .set("stroke", style::RULE),
        )
        .add(
            text(
                bar_left + BAR_WIDTH + 6.0,
                label_y,
                11.0,
                style::short_number(peak),
            )
            .set("fill", MUTED_INK),
        )
        .add(
            text(
                bar_left + BAR_WIDTH + 48.0,
                label_y,
                11.0,
                "darker cells: more of the audience online",
            )
            .set("fill", MUTED_INK),
        );
    (scale, top + BAR_HEIGHT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dots_of_one_cell_stay_inside_it() {
        for count in 1..=12 {
            for (x, y, radius) in dot_layout(count) {
                assert!(
                    x - radius >= 0.0 && x + radius <= CELL_WIDTH,
                    "{count}: x {x}"
                );
                assert!(
                    y - radius >= 0.0 && y + radius <= CELL_HEIGHT,
                    "{count}: y {y}"
                );
            }
        }
    }
}
