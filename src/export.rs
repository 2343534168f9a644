//! The `plan` command's exports: the solved schedule as an iCalendar file, a CSV and pictures,
//! written where the flags say.

use std::{
    fs,
    path::{Path, PathBuf},
};

use anyhow::Context;
use chrono::Utc;
use chrono_tz::Tz;
use slotwise_export::{
    Calendar, CalendarPost, DEFAULT_EVENT_MINUTES, IcsOptions, Label, Names, Score, SeriesEpisode,
    picture,
};
use slotwise_planner::{PlanRequest, PlannedPost, Schedule};

/// Files to write besides the printed calendar.
#[derive(Debug, Clone, clap::Args)]
// `--png` rasterises the pictures asked for, so it needs at least one of them.
#[command(group(
    clap::ArgGroup::new("pictures").multiple(true).args(["svg_heatmap", "svg_month"])
))]
pub struct ExportArgs {
    /// Write the plan as an iCalendar file (one event per post) for Google or Apple Calendar.
    #[arg(long, value_name = "FILE")]
    ics: Option<PathBuf>,
    /// Write the plan as CSV, one row per post, dates and times local to the audience.
    #[arg(long, value_name = "FILE")]
    csv: Option<PathBuf>,
    /// Draw the audience heatmap with the planned posts on it, as SVG.
    #[arg(long, value_name = "FILE")]
    svg_heatmap: Option<PathBuf>,
    /// Draw the plan as month calendars, as SVG.
    #[arg(long, value_name = "FILE")]
    svg_month: Option<PathBuf>,
    /// Also write each picture as PNG beside its SVG: same path, extension .png.
    #[arg(long, requires = "pictures")]
    png: bool,
    /// Names the calendar and seeds the event uids; keep it the same when re-exporting a plan
    /// so a calendar app updates its events instead of duplicating them. [default: the
    /// request file's name without extension]
    #[arg(long)]
    calendar_id: Option<String>,
    /// Length of each calendar event, in minutes.
    #[arg(long, default_value_t = DEFAULT_EVENT_MINUTES)]
    event_minutes: u32,
}

impl ExportArgs {
    fn wants_anything(&self) -> bool {
        self.ics.is_some()
            || self.csv.is_some()
            || self.svg_heatmap.is_some()
            || self.svg_month.is_some()
    }
}

/// Writes every export the flags ask for.
pub fn write_exports(
    args: &ExportArgs,
    request_path: &Path,
    request: &PlanRequest,
    schedule: &Schedule,
) -> anyhow::Result<()> {
    if !args.wants_anything() {
        return Ok(());
    }
    let calendar_id = match &args.calendar_id {
        Some(id) => id.clone(),
        None => file_stem(request_path)?,
    };
    let calendar = calendar_from_schedule(request, schedule, calendar_id)?;

    if let Some(path) = &args.ics {
        let mut options = IcsOptions::new(Utc::now());
        options.event_duration = chrono::TimeDelta::minutes(i64::from(args.event_minutes));
        write(path, slotwise_export::to_ics(&calendar, &options)?)?;
    }
    if let Some(path) = &args.csv {
        write(path, slotwise_export::to_csv(&calendar)?)?;
    }
    if let Some(path) = &args.svg_heatmap {
        let svg = picture::heatmap_svg(&calendar, &request.heatmap)?;
        write_picture(path, &svg, args.png)?;
    }
    if let Some(path) = &args.svg_month {
        write_picture(path, &picture::month_svg(&calendar)?, args.png)?;
    }
    Ok(())
}

fn file_stem(path: &Path) -> anyhow::Result<String> {
    path.file_stem()
        .map(|stem| stem.to_string_lossy().into_owned())
        .filter(|stem| !stem.is_empty())
        .with_context(|| {
            format!(
                "{} has no file name to name the calendar by",
                path.display()
            )
        })
}

/// The planner's schedule as the exports' plain input.
fn calendar_from_schedule(
    request: &PlanRequest,
    schedule: &Schedule,
    calendar_id: String,
) -> anyhow::Result<Calendar> {
    let time_zone: Tz = request
        .horizon
        .time_zone
        .parse()
        .map_err(|_| anyhow::anyhow!("unknown time zone {:?}", request.horizon.time_zone))?;
    let label = |id: &String, name: &String| Label::new(id, name);
    Ok(Calendar {
        calendar_id,
        time_zone,
        posts: schedule.posts.iter().map(calendar_post).collect(),
        names: Names {
            pillars: request
                .pillars
                .iter()
                .map(|p| label(&p.id, &p.name))
                .collect(),
            formats: request
                .formats
                .iter()
                .map(|f| label(&f.id, &f.name))
                .collect(),
            series: request
                .series
                .iter()
                .map(|s| label(&s.id, &s.name))
                .collect(),
        },
    })
}

fn calendar_post(post: &PlannedPost) -> CalendarPost {
    CalendarPost {
        start_time: post.start_time,
        pillar_id: post.pillar_id.clone(),
        format_id: post.format_id.clone(),
        batch_id: post.batch_id.clone(),
        series: post.series_episode.as_ref().map(|episode| SeriesEpisode {
            series_id: episode.series_id.clone(),
            episode: episode.episode,
            episodes: episode.episodes,
        }),
        pinned_id: post.pinned_id.clone(),
        score: Score {
            total: post.score.total,
            heatmap_value: post.score.heatmap_value,
            pillar_weight: post.score.pillar_weight,
            format_multiplier: post.score.format_multiplier,
        },
    }
}

fn write(path: &Path, contents: impl AsRef<[u8]>) -> anyhow::Result<()> {
    fs::write(path, contents).with_context(|| format!("cannot write {}", path.display()))
}

/// Writes the SVG and, when asked, the same picture as PNG beside it.
fn write_picture(path: &Path, svg: &str, png: bool) -> anyhow::Result<()> {
    write(path, svg)?;
    if png {
        let png_path = path.with_extension("png");
        write(&png_path, picture::svg_to_png(svg, picture::PNG_SCALE)?)?;
    }
    Ok(())
}
