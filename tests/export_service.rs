//! End-to-end: `ExportService` through a real tonic client against `slotwise serve`.

#![allow(clippy::unwrap_used)]

mod support;

use slotwise_proto::v1::{
    ExportFormat, ExportScheduleRequest, OptimizeScheduleRequest, OptimizeScheduleResponse,
    export_service_client::ExportServiceClient, planner_service_client::PlannerServiceClient,
};
use support::{ServerProcess, example};
use tonic::Code;
use tonic_health::pb::{
    HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
};

async fn solve(
    server: &ServerProcess,
    request: OptimizeScheduleRequest,
) -> OptimizeScheduleResponse {
    let mut planner = PlannerServiceClient::connect(server.endpoint())
        .await
        .unwrap();
    planner
        .optimize_schedule(request)
        .await
        .unwrap()
        .into_inner()
}

/// An export of `schedule`, solved for `request`, asking for every output.
fn export_request(
    request: &OptimizeScheduleRequest,
    schedule: OptimizeScheduleResponse,
) -> ExportScheduleRequest {
    ExportScheduleRequest {
        schedule: Some(schedule),
        time_zone: request.horizon.clone().unwrap().time_zone,
        heatmap: request.heatmap.clone(),
        calendar_id: "bakery".to_owned(),
        outputs: [
            ExportFormat::Ics,
            ExportFormat::Csv,
            ExportFormat::HeatmapSvg,
            ExportFormat::HeatmapPng,
            ExportFormat::MonthSvg,
            ExportFormat::MonthPng,
        ]
        .map(|format| format as i32)
        .to_vec(),
        pillars: request.pillars.clone(),
        formats: request.formats.clone(),
        series: request.series.clone(),
        event_minutes: 0,
    }
}

async fn export(
    server: &ServerProcess,
    request: ExportScheduleRequest,
) -> Result<slotwise_proto::v1::ExportScheduleResponse, tonic::Status> {
    let mut client = ExportServiceClient::connect(server.endpoint())
        .await
        .unwrap();
    client
        .export_schedule(request)
        .await
        .map(tonic::Response::into_inner)
}

fn count_posts(svg: &str) -> usize {
    let document = roxmltree::Document::parse(svg).unwrap();
    document
        .descendants()
        .filter(|node| node.attribute("class") == Some("post"))
        .count()
}

fn png_width(png: &[u8]) -> u32 {
    let decoder = png::Decoder::new(std::io::Cursor::new(png));
    decoder.read_info().unwrap().info().width
}

#[tokio::test]
async fn the_bakery_schedule_exports_every_output_over_grpc() {
    let server = ServerProcess::start();
    let request = example("bakery");
    let schedule = solve(&server, request.clone()).await;
    let posts = schedule.posts.len();

    let exported = export(&server, export_request(&request, schedule.clone()))
        .await
        .unwrap();

    let calendar = ical::IcalParser::new(exported.ics.as_bytes())
        .next()
        .unwrap()
        .unwrap();
    assert_eq!(calendar.events.len(), posts);
    let summaries: Vec<String> = calendar
        .events
        .iter()
        .filter_map(|event| event.properties.iter().find(|p| p.name == "SUMMARY"))
        .filter_map(|summary| summary.value.clone())
        .collect();
    assert!(
        summaries.contains(&"Product spotlight".to_owned()),
        "{summaries:?}"
    );
    let rows = csv::Reader::from_reader(exported.csv.as_bytes())
        .records()
        .count();
    assert_eq!(rows, posts);
    assert_eq!(count_posts(&exported.heatmap_svg), posts);
    assert_eq!(count_posts(&exported.month_svg), posts);
    assert!(png_width(&exported.heatmap_png) > 1000);
    assert!(png_width(&exported.month_png) > 1000);
}

#[tokio::test]
async fn only_the_outputs_asked_for_are_filled() {
    let server = ServerProcess::start();
    let request = example("bakery");
    let schedule = solve(&server, request.clone()).await;
    let mut export_request = export_request(&request, schedule);
    export_request.outputs = vec![ExportFormat::Csv as i32];
    export_request.heatmap.clear();

    let exported = export(&server, export_request).await.unwrap();

    assert!(!exported.csv.is_empty());
    assert!(exported.ics.is_empty() && exported.heatmap_svg.is_empty());
    assert!(exported.heatmap_png.is_empty() && exported.month_png.is_empty());
}

#[tokio::test]
async fn bad_fields_are_named_in_invalid_argument() {
    let server = ServerProcess::start();
    let request = example("bakery");
    let schedule = solve(&server, request.clone()).await;
    let valid = export_request(&request, schedule);

    let mut unknown_zone = valid.clone();
    unknown_zone.time_zone = "Europe/Atlantis".to_owned();
    let mut no_start = valid.clone();
    no_start.schedule.as_mut().unwrap().posts[3].start_time = None;
    let mut no_heatmap = valid.clone();
    no_heatmap.heatmap.clear();
    let mut no_calendar_id = valid.clone();
    no_calendar_id.calendar_id.clear();

    for (request, message) in [
        (unknown_zone, "time_zone must be an IANA time zone"),
        (no_start, "schedule.posts[3].start_time is required"),
        (
            no_heatmap,
            "heatmap must have 168 values, one per local hour of the week, got 0",
        ),
        (no_calendar_id, "calendar_id must not be empty"),
    ] {
        let status = export(&server, request).await.unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument, "{}", status.message());
        assert!(
            status.message().starts_with(message),
            "{}",
            status.message()
        );
    }
}

#[tokio::test]
async fn health_reports_the_export_service_as_serving() {
    let server = ServerProcess::start();
    let channel = tonic::transport::Channel::from_shared(server.endpoint())
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut health = HealthClient::new(channel);

    let request = HealthCheckRequest {
        service: "slotwise.v1.ExportService".to_owned(),
    };
    let response = health.check(request).await.unwrap().into_inner();
    assert_eq!(response.status(), ServingStatus::Serving);
}
