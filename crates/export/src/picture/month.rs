//! The plan as month calendars: one grid per month the plan touches, each day listing its
//! posts' local times, coloured by pillar.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveTime, Offset, TimeZone};
use chrono_tz::Tz;
use svg::node::element::{Group, Rectangle};

use super::style::{self, MUTED_INK, PillarColours, RULE, WEEKDAYS, heading, text};
use crate::{Calendar, CalendarPost, ExportError};

const LEFT: f64 = 24.0;
const CELL_WIDTH: f64 = 170.0;
const WIDTH: f64 = LEFT * 2.0 + CELL_WIDTH * 7.0;
const LINE_HEIGHT: f64 = 16.0;
/// Rows leave room for at least this many posts a day, so a quiet month keeps its shape.
const MIN_LINES: usize = 2;
const DAY_COLOUR: &str = "#ffffff";
const OTHER_MONTH_COLOUR: &str = "#f6f8fa";
const CLOCK_CHANGE_COLOUR: &str = "#9a6700";

type DayPosts<'a> = BTreeMap<NaiveDate, Vec<&'a CalendarPost>>;

/// A month grid (Monday first) for every month from the plan's first post to its last. Each
/// post is a `g` of class `post`: a dot in its pillar's colour (a ring when pinned) and its
/// local time and summary. A day on which the clocks change says so.
pub fn month_svg(calendar: &Calendar) -> Result<String, ExportError> {
    let days = posts_by_local_day(calendar);
    let subtitle = format!(
        "{} posts; times are local to {}",
        calendar.posts.len(),
        calendar.time_zone.name()
    );
    let title = format!("Posting plan: {}", calendar.calendar_id);
    let entries = style::pillar_entries(calendar);
    let (legend, baseline) = style::legend(&entries, LEFT, 78.0, WIDTH - LEFT);

    let mut content = Group::new()
        .add(heading(LEFT, &title, &subtitle))
        .add(legend);
    let mut top = baseline + 16.0;
    if days.is_empty() {
        content = content.add(text(LEFT, top + 24.0, 13.0, "No posts in this plan."));
        top += 48.0;
    }
    let months = months(&days);
    if months.len() > MAX_MONTHS {
        return Err(ExportError::SpanTooLong {
            months: months.len(),
            max: MAX_MONTHS,
        });
    }
    for month in months {
        let (block, height) = month_block(calendar, &days, month, top);
        content = content.add(block);
        top += height;
    }

    Ok(style::page(WIDTH, top).add(content).to_string())
}

fn posts_by_local_day(calendar: &Calendar) -> DayPosts<'_> {
    let mut days = DayPosts::new();
    for post in calendar.posts_in_time_order() {
        let date = post.local_time(calendar.time_zone).date_naive();
        days.entry(date).or_default().push(post);
    }
    days
}

/// Most months one month view draws: a year and a month, far beyond a plan's 92-day horizon,
/// so that a schedule with posts years apart is refused instead of drawn for seconds.
pub const MAX_MONTHS: usize = 13;

/// The first day of every month from the first post's to the last post's.
fn months(days: &DayPosts<'_>) -> Vec<NaiveDate> {
    let (Some(first), Some(last)) = (days.keys().next(), days.keys().next_back()) else {
        return vec![];
    };
    let mut months = vec![];
    let mut month = first.with_day(1);
    while let Some(current) = month.filter(|current| current <= last) {
        months.push(current);
        month = current.checked_add_months(chrono::Months::new(1));
    }
    months
}

/// The grid of the month starting on `first`, from `top`; returns it and its height.
fn month_block(
    calendar: &Calendar,
    days: &DayPosts<'_>,
    first: NaiveDate,
    top: f64,
) -> (Group, f64) {
    let weeks = weeks_of(first);
    let lines = weeks
        .iter()
        .flatten()
        .filter(|day| day.month() == first.month())
        .map(|day| days.get(day).map_or(0, Vec::len))
        .fold(MIN_LINES, usize::max);
    let row_height = 28.0 + lines as f64 * LINE_HEIGHT + 6.0;

    let mut block = Group::new().set("class", "month").add(
        text(LEFT, top + 22.0, 16.0, first.format("%B %Y").to_string()).set("font-weight", "bold"),
    );
    for (column, name) in WEEKDAYS.iter().enumerate() {
        let x = LEFT + column as f64 * CELL_WIDTH + 8.0;
        block = block.add(text(x, top + 44.0, 12.0, *name).set("fill", MUTED_INK));
    }
    let colours = PillarColours::new(calendar);
    for (row, week) in weeks.iter().enumerate() {
        for (column, day) in week.iter().enumerate() {
            let x = LEFT + column as f64 * CELL_WIDTH;
            let y = top + 52.0 + row as f64 * row_height;
            let cell = Cell {
                x,
                y,
                height: row_height,
            };
            let posts = if day.month() == first.month() {
                days.get(day).map_or(&[][..], Vec::as_slice)
            } else {
                &[]
            };
            block = block.add(day_cell(calendar, &colours, *day, first, posts, cell));
        }
    }
    (block, 52.0 + weeks.len() as f64 * row_height + 28.0)
}

/// Mondays-first weeks covering the month that starts on `first`.
fn weeks_of(first: NaiveDate) -> Vec<[NaiveDate; 7]> {
    let mut monday = first - Days::new(u64::from(first.weekday().num_days_from_monday()));
    let mut weeks = vec![];
    while monday.month() == first.month() || monday < first {
        let week: [NaiveDate; 7] = std::array::from_fn(|day| monday + Days::new(day as u64));
        weeks.push(week);
        monday = monday + Days::new(7);
    }
    weeks
}

#[derive(Debug, Clone, Copy)]
struct Cell {
    x: f64,
    y: f64,
    height: f64,
}

fn day_cell(
    calendar: &Calendar,
    colours: &PillarColours<'_>,
    day: NaiveDate,
    month: NaiveDate,
    posts: &[&CalendarPost],
    cell: Cell,
) -> Group {
    let in_month = day.month() == month.month();
    let mut group = Group::new()
        .add(
            Rectangle::new()
                .set("x", cell.x)
                .set("y", cell.y)
                .set("width", CELL_WIDTH)
                .set("height", cell.height)
                .set(
                    "fill",
                    if in_month {
                        DAY_COLOUR
                    } else {
                        OTHER_MONTH_COLOUR
                    },
                )
                .set("stroke", RULE),
        )
        .add(
            text(cell.x + 8.0, cell.y + 18.0, 12.0, day.day().to_string())
                .set("font-weight", "bold")
                .set("fill", if in_month { style::INK } else { "#afb8c1" }),
        );
    if let Some(change) = in_month
        .then(|| clock_change(calendar.time_zone, day))
        .flatten()
    {
        group = group.add(
            text(cell.x + CELL_WIDTH - 8.0, cell.y + 18.0, 10.5, change)
                .set("text-anchor", "end")
                .set("fill", CLOCK_CHANGE_COLOUR),
        );
    }
    for (line, post) in posts.iter().enumerate() {
        let baseline = cell.y + 38.0 + line as f64 * LINE_HEIGHT;
        group = group.add(post_line(calendar, colours, post, cell.x, baseline));
    }
    group
}

/// A dot and "18:00 Baking tips" (or "18:00 Bread 101 2/3") for one post.
fn post_line(
    calendar: &Calendar,
    colours: &PillarColours<'_>,
    post: &CalendarPost,
    x: f64,
    baseline: f64,
) -> Group {
    let local = post.local_time(calendar.time_zone);
    // The dot's colour names the pillar, so an episode shows its series instead.
    let what = match &post.series {
        Some(series) => format!(
            "{} {}/{}",
            calendar.names.series(&series.series_id),
            series.episode,
            series.episodes
        ),
        None => calendar.names.pillar(&post.pillar_id).to_owned(),
    };
    let label = format!("{} {what}", local.format("%H:%M"));
    let colour = colours.of(&post.pillar_id);
    Group::new()
        .set("class", "post")
        .add(style::post_tooltip(calendar, post))
        .add(style::post_dot(
            x + 13.0,
            baseline - 4.0,
            4.5,
            &colour,
            post.is_pinned(),
        ))
        .add(text(
            x + 23.0,
            baseline,
            11.5,
            style::fit(&label, 11.5, CELL_WIDTH - 28.0),
        ))
}

/// "GMT → BST" when the zone's offset at the end of `day` differs from the one at its start.
fn clock_change(time_zone: Tz, day: NaiveDate) -> Option<String> {
    let start = local_instant(time_zone, day, NaiveTime::MIN)?;
    let end = local_instant(time_zone, day, NaiveTime::from_hms_opt(23, 59, 0)?)?;
    if start.offset().fix() == end.offset().fix() {
        return None;
    }
    Some(format!("{} → {}", start.format("%Z"), end.format("%Z")))
}

/// The first instant at or after the local `time` of `day`, skipping an hour the clocks jump.
fn local_instant(time_zone: Tz, day: NaiveDate, time: NaiveTime) -> Option<DateTime<Tz>> {
    let local = day.and_time(time);
    time_zone
        .from_local_datetime(&local)
        .earliest()
        .or_else(|| {
            time_zone
                .from_local_datetime(&(local + chrono::TimeDelta::hours(1)))
                .earliest()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_month_starting_on_monday_has_no_week_before_it() {
        let march_2027 = NaiveDate::from_ymd_opt(2027, 3, 1).unwrap();
        let weeks = weeks_of(march_2027);
        assert_eq!(weeks.first().unwrap()[0], march_2027);
        assert_eq!(weeks.len(), 5);
        assert_eq!(
            weeks.last().unwrap()[6],
            NaiveDate::from_ymd_opt(2027, 4, 4).unwrap()
        );
    }

    #[test]
    fn london_changes_its_clocks_on_the_last_sunday_of_march() {
        let day = NaiveDate::from_ymd_opt(2027, 3, 28).unwrap();
        assert_eq!(
            clock_change(chrono_tz::Europe::London, day).as_deref(),
            Some("GMT → BST")
        );
        assert_eq!(
            clock_change(chrono_tz::Europe::London, day.pred_opt().unwrap()),
            None
        );
    }
}
