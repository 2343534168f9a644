//! CSV export for spreadsheets: one row per post, in time order, dates and times local to the
//! audience.

use chrono::SecondsFormat;

use crate::{Calendar, CalendarPost, ExportError, uid::posts_with_uids};

/// The columns, in order:
///
/// - `date` (`2027-03-28`), `local_time` (`18:00`), `utc_offset` (`+01:00`) and `weekday`
///   (`Sun`): the wall clock in the audience's zone, with the offset that says which side of a
///   change of clocks it is on;
/// - `pillar`, `format`: display names; `batch`: the batch id, empty when production is not
///   planned in batches; `series`: `name episode/episodes`, empty outside a series;
/// - `score`: the post's score, three decimals; `pinned`: `true` for a post that was already
///   scheduled;
/// - `start_time_utc`: the same instant in RFC 3339 UTC, for formulas and other tools;
/// - `uid`: the post's calendar event uid, which ties a row to its event in the ICS export.
pub const CSV_HEADER: [&str; 12] = [
    "date",
    "local_time",
    "utc_offset",
    "weekday",
    "pillar",
    "format",
    "batch",
    "series",
    "score",
    "pinned",
    "start_time_utc",
    "uid",
];

/// The calendar as CSV text, header first.
pub fn to_csv(calendar: &Calendar) -> Result<String, ExportError> {
    let posts = posts_with_uids(calendar)?;

    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(CSV_HEADER)?;
    for (post, uid) in posts {
        writer.write_record(row(calendar, post, &uid))?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|error| csv::Error::from(error.into_error()))?;

    // Every field is a Rust string, so the bytes are UTF-8 and nothing is ever replaced.
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn row(calendar: &Calendar, post: &CalendarPost, uid: &str) -> [String; 12] {
    let names = &calendar.names;
    let local = post.local_time(calendar.time_zone);
    let series = post.series.as_ref().map_or_else(String::new, |series| {
        format!(
            "{} {}/{}",
            names.series(&series.series_id),
            series.episode,
            series.episodes
        )
    });

    [
        local.format("%Y-%m-%d").to_string(),
        local.format("%H:%M").to_string(),
        local.format("%:z").to_string(),
        local.format("%a").to_string(),
        names.pillar(&post.pillar_id).to_owned(),
        names.format(&post.format_id).to_owned(),
        post.batch_id.clone().unwrap_or_default(),
        series,
        format!("{:.3}", post.score.total),
        post.is_pinned().to_string(),
        post.start_time.to_rfc3339_opts(SecondsFormat::Secs, true),
        uid.to_owned(),
    ]
}
