//! `slotwise.v1.ExportService`: turns a solved schedule into calendar files and pictures,
//! through the export library.

use chrono::{TimeDelta, Utc};
use chrono_tz::Tz;
use slotwise_export::{
    self as export, Calendar, CalendarPost, DEFAULT_EVENT_MINUTES, ExportError, IcsOptions, Label,
    Names, picture,
};
use slotwise_proto::v1::{self, ExportFormat, export_service_server::ExportService};
use tonic::{Request, Response, Status};

use crate::{
    convert::timestamp,
    error::{FieldError, ServiceError, respond},
    limits::Limits,
};

/// Renders on tokio's blocking pool: rasterising a PNG takes tens of milliseconds of CPU,
/// which must not stall the async workers that answer health checks and other calls.
#[derive(Debug, Clone, Default)]
pub struct ExportApi {
    limits: Limits,
}

impl ExportApi {
    /// An exporter with the default limits.
    pub fn new() -> Self {
        Self::with_limits(Limits::default())
    }

    /// An exporter that refuses schedules of more than `limits.max_slots` posts.
    pub fn with_limits(limits: Limits) -> Self {
        Self { limits }
    }
}

#[tonic::async_trait]
impl ExportService for ExportApi {
    async fn export_schedule(
        &self,
        request: Request<v1::ExportScheduleRequest>,
    ) -> Result<Response<v1::ExportScheduleResponse>, Status> {
        let request = request.into_inner();
        let posts = request
            .schedule
            .as_ref()
            .map_or(0, |schedule| schedule.posts.len());
        let max_slots = self.limits.max_slots;
        if let Err(error) = Limits::check_count("schedule.posts", posts, "max_slots", max_slots) {
            return respond(Err(error.into()));
        }

        respond(export_schedule(request).await)
    }
}

/// The outputs a request asks for.
#[derive(Debug, Clone, Copy, Default)]
struct Outputs {
    ics: bool,
    csv: bool,
    heatmap_svg: bool,
    heatmap_png: bool,
    month_svg: bool,
    month_png: bool,
}

async fn export_schedule(
    request: v1::ExportScheduleRequest,
) -> Result<v1::ExportScheduleResponse, ServiceError> {
    let outputs = outputs_from_proto(&request.outputs)?;
    let calendar = calendar_from_proto(&request)?;
    let options = ics_options(request.event_minutes)?;
    let heatmap = request.heatmap;

    let rendered =
        tokio::task::spawn_blocking(move || render(&calendar, &heatmap, outputs, &options))
            .await
            .map_err(|join_error| {
                ServiceError::Internal(format!("the export did not complete: {join_error}"))
            })??;
    Ok(rendered)
}

fn outputs_from_proto(formats: &[i32]) -> Result<Outputs, FieldError> {
    if formats.is_empty() {
        return Err(FieldError::new("outputs", "must name at least one output"));
    }
    let mut outputs = Outputs::default();
    for (index, value) in formats.iter().enumerate() {
        let field = || format!("outputs[{index}]");
        let wanted = match ExportFormat::try_from(*value) {
            Ok(ExportFormat::Ics) => &mut outputs.ics,
            Ok(ExportFormat::Csv) => &mut outputs.csv,
            Ok(ExportFormat::HeatmapSvg) => &mut outputs.heatmap_svg,
            Ok(ExportFormat::HeatmapPng) => &mut outputs.heatmap_png,
            Ok(ExportFormat::MonthSvg) => &mut outputs.month_svg,
            Ok(ExportFormat::MonthPng) => &mut outputs.month_png,
            Ok(ExportFormat::Unspecified) => {
                return Err(FieldError::new(field(), "must name an output"));
            }
            Err(_) => {
                return Err(FieldError::new(
                    field(),
                    format!("has unknown value {value}"),
                ));
            }
        };
        *wanted = true;
    }
    Ok(outputs)
}

/// Converts the request into the export library's plain input. Whether the calendar id and
/// the heatmap are fit to use is for the library to say; only the wire format is checked here.
pub fn calendar_from_proto(request: &v1::ExportScheduleRequest) -> Result<Calendar, FieldError> {
    let time_zone: Tz = request.time_zone.parse().map_err(|_| {
        FieldError::new(
            "time_zone",
            format!(
                "must be an IANA time zone such as \"Europe/London\", got {:?}",
                request.time_zone
            ),
        )
    })?;
    let schedule = request
        .schedule
        .as_ref()
        .ok_or_else(|| FieldError::new("schedule", "is required"))?;
    let posts = schedule
        .posts
        .iter()
        .enumerate()
        .map(|(index, post)| {
            calendar_post(post).map_err(|error| error.under(&format!("schedule.posts[{index}]")))
        })
        .collect::<Result<_, _>>()?;

    Ok(Calendar {
        calendar_id: request.calendar_id.clone(),
        time_zone,
        posts,
        names: Names {
            pillars: request
                .pillars
                .iter()
                .map(|p| Label::new(&p.id, &p.name))
                .collect(),
            formats: request
                .formats
                .iter()
                .map(|f| Label::new(&f.id, &f.name))
                .collect(),
            series: request
                .series
                .iter()
                .map(|s| Label::new(&s.id, &s.name))
                .collect(),
        },
    })
}

fn calendar_post(post: &v1::PlannedPost) -> Result<CalendarPost, FieldError> {
    let score = post.score.unwrap_or_default();
    check_score(&score)?;
    Ok(CalendarPost {
        start_time: timestamp("start_time", post.start_time.as_ref())?,
        pillar_id: post.pillar_id.clone(),
        format_id: post.format_id.clone(),
        batch_id: non_empty(&post.batch_id),
        series: post
            .series_episode
            .as_ref()
            .map(|episode| export::SeriesEpisode {
                series_id: episode.series_id.clone(),
                episode: episode.episode,
                episodes: episode.episodes,
            }),
        // The uid of a pinned post comes from its id; `pinned` without one is exported as a
        // planned post.
        pinned_id: non_empty(&post.pinned_id),
        score: export::Score {
            total: score.total,
            heatmap_value: score.heatmap_value,
            pillar_weight: score.pillar_weight,
            format_multiplier: score.format_multiplier,
        },
    })
}

/// A score is shown in every calendar event; NaN or an infinity would be shown as such.
fn check_score(score: &v1::Score) -> Result<(), FieldError> {
    let parts = [
        ("score.total", score.total),
        ("score.heatmap_value", score.heatmap_value),
        ("score.pillar_weight", score.pillar_weight),
        ("score.format_multiplier", score.format_multiplier),
    ];
    match parts.iter().find(|(_, value)| !value.is_finite()) {
        Some((field, value)) => Err(FieldError::new(
            *field,
            format!("must be finite, got {value}"),
        )),
        None => Ok(()),
    }
}

fn non_empty(value: &str) -> Option<String> {
    (!value.is_empty()).then(|| value.to_owned())
}

/// Events of `event_minutes`, zero meaning the default, exported now. Public for the fuzz
/// targets (crates/fuzz).
pub fn ics_options(event_minutes: u32) -> Result<IcsOptions, FieldError> {
    const MINUTES_A_DAY: u32 = 24 * 60;
    let minutes = match event_minutes {
        0 => DEFAULT_EVENT_MINUTES,
        minutes if minutes > MINUTES_A_DAY => {
            return Err(FieldError::new(
                "event_minutes",
                format!("must be at most {MINUTES_A_DAY} (a day), got {minutes}"),
            ));
        }
        minutes => minutes,
    };
    Ok(IcsOptions {
        event_duration: TimeDelta::minutes(i64::from(minutes)),
        exported_at: Utc::now(),
    })
}

/// Renders every output asked for; the others stay empty.
fn render(
    calendar: &Calendar,
    heatmap: &[f64],
    outputs: Outputs,
    options: &IcsOptions,
) -> Result<v1::ExportScheduleResponse, ExportError> {
    let mut response = v1::ExportScheduleResponse::default();
    if outputs.ics {
        response.ics = export::to_ics(calendar, options)?;
    }
    if outputs.csv {
        response.csv = export::to_csv(calendar)?;
    }
    if outputs.heatmap_svg || outputs.heatmap_png {
        let svg = picture::heatmap_svg(calendar, heatmap)?;
        if outputs.heatmap_png {
            response.heatmap_png = picture::svg_to_png(&svg, picture::PNG_SCALE)?;
        }
        if outputs.heatmap_svg {
            response.heatmap_svg = svg;
        }
    }
    if outputs.month_svg || outputs.month_png {
        let svg = picture::month_svg(calendar)?;
        if outputs.month_png {
            response.month_png = picture::svg_to_png(&svg, picture::PNG_SCALE)?;
        }
        if outputs.month_svg {
            response.month_svg = svg;
        }
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> v1::ExportScheduleRequest {
        v1::ExportScheduleRequest {
            schedule: Some(v1::OptimizeScheduleResponse {
                posts: vec![v1::PlannedPost {
                    start_time: Some(slotwise_proto::wkt::Timestamp {
                        seconds: 1_800_000_000,
                        nanos: 0,
                    }),
                    ..Default::default()
                }],
                ..Default::default()
            }),
            time_zone: "Europe/London".into(),
            calendar_id: "bakery".into(),
            outputs: vec![ExportFormat::Ics as i32],
            ..Default::default()
        }
    }

    #[test]
    fn an_unknown_time_zone_names_the_field() {
        let mut request = request();
        request.time_zone = "Mars/Olympus".into();
        let error = calendar_from_proto(&request).unwrap_err();
        assert_eq!(
            error.to_string(),
            "time_zone must be an IANA time zone such as \"Europe/London\", got \"Mars/Olympus\""
        );
    }

    #[test]
    fn a_missing_start_time_names_the_post() {
        let mut request = request();
        let posts = &mut request.schedule.as_mut().unwrap().posts;
        posts.push(v1::PlannedPost::default());
        let error = calendar_from_proto(&request).unwrap_err();
        assert_eq!(
            error.to_string(),
            "schedule.posts[1].start_time is required"
        );
    }

    #[test]
    fn outputs_must_be_named() {
        assert_eq!(
            outputs_from_proto(&[]).unwrap_err().to_string(),
            "outputs must name at least one output"
        );
        assert_eq!(
            outputs_from_proto(&[ExportFormat::Csv as i32, 0])
                .unwrap_err()
                .to_string(),
            "outputs[1] must name an output"
        );
        assert_eq!(
            outputs_from_proto(&[42]).unwrap_err().to_string(),
            "outputs[0] has unknown value 42"
        );
    }

    #[test]
    fn an_event_longer_than_a_day_names_the_field() {
        assert_eq!(
            ics_options(1441).unwrap_err().to_string(),
            "event_minutes must be at most 1440 (a day), got 1441"
        );
        let default = ics_options(0).unwrap();
        assert_eq!(default.event_duration, TimeDelta::minutes(15));
    }
}
