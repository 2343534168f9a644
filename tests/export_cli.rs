//! End-to-end: `slotwise plan` on the bakery example with the export flags, the files read back
//! with independent parsers.

#![allow(clippy::unwrap_used)]

use std::{collections::HashMap, path::Path, process::Command};

use slotwise_proto::v1::OptimizeScheduleResponse;

/// Runs `slotwise plan examples/bakery.json` with `flags`, writing the response to `out`.
fn plan_bakery(out: &Path, flags: &[&str]) {
    let request = format!("{}/examples/bakery.json", env!("CARGO_MANIFEST_DIR"));
    let output = Command::new(env!("CARGO_BIN_EXE_slotwise"))
        .args(["plan", &request, "--out"])
        .arg(out)
        .args(flags)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn read_response(path: &Path) -> OptimizeScheduleResponse {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// UID and DTSTART of every event, and the calendar's properties, read with the `ical` crate.
fn read_ics(path: &Path) -> (HashMap<String, String>, Vec<(String, String)>) {
    let text = std::fs::read_to_string(path).unwrap();
    let calendar = ical::IcalParser::new(text.as_bytes())
        .next()
        .unwrap()
        .unwrap();
    let value = |properties: &[ical::property::Property], name: &str| {
        let property = properties.iter().find(|property| property.name == name);
        property
            .and_then(|property| property.value.clone())
            .unwrap()
    };
    let properties = calendar
        .properties
        .iter()
        .map(|property| {
            (
                property.name.clone(),
                property.value.clone().unwrap_or_default(),
            )
        })
        .collect();
    let events = calendar
        .events
        .iter()
        .map(|event| {
            (
                value(&event.properties, "UID"),
                value(&event.properties, "DTSTART"),
            )
        })
        .collect();
    (properties, events)
}

fn count_posts(svg_path: &Path) -> usize {
    let text = std::fs::read_to_string(svg_path).unwrap();
    let document = roxmltree::Document::parse(&text).unwrap();
    document
        .descendants()
        .filter(|node| node.attribute("class") == Some("post"))
        .count()
}

fn png_size(path: &Path) -> (u32, u32) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let frame = reader.next_frame(&mut pixels).unwrap();
    (frame.width, frame.height)
}

fn svg_size(path: &Path) -> (u32, u32) {
    let text = std::fs::read_to_string(path).unwrap();
    let document = roxmltree::Document::parse(&text).unwrap();
    let root = document.root_element();
    let number = |name| {
        root.attribute(name)
            .unwrap()
            .parse::<f64>()
            .unwrap()
            .round() as u32
    };
    (number("width"), number("height"))
}

#[test]
fn the_bakery_plan_exports_a_calendar_a_spreadsheet_and_pictures() {
    let dir = tempfile::tempdir().unwrap();
    let file = |name: &str| dir.path().join(name);
    let paths = [
        ("--ics", file("bakery.ics")),
        ("--csv", file("bakery.csv")),
        ("--svg-heatmap", file("heatmap.svg")),
        ("--svg-month", file("month.svg")),
    ];
    let mut flags: Vec<&str> = vec!["--png"];
    for (flag, path) in &paths {
        flags.extend([*flag, path.to_str().unwrap()]);
    }
    plan_bakery(&file("schedule.json"), &flags);
    let response = read_response(&file("schedule.json"));
    let posts = response.posts.len();
    assert!(posts >= 12, "the bakery posts 3-4 times a week for 4 weeks");

    let (properties, events) = read_ics(&file("bakery.ics"));
    assert_eq!(properties["X-WR-TIMEZONE"], "Europe/London");
    assert_eq!(events.len(), posts);
    for ((uid, start), post) in events.iter().zip(&response.posts) {
        assert!(
            uid.starts_with("bakery/"),
            "the calendar id is the file stem: {uid}"
        );
        let seconds = post.start_time.unwrap().seconds;
        let expected = chrono::DateTime::from_timestamp(seconds, 0).unwrap();
        assert_eq!(start, &expected.format("%Y%m%dT%H%M%SZ").to_string());
    }

    let mut csv = csv::Reader::from_path(file("bakery.csv")).unwrap();
    let rows: Vec<csv::StringRecord> = csv.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), posts);
    for (row, post) in rows.iter().zip(&response.posts) {
        // local_time on the wire is "2027-03-28T18:00:00+01:00".
        let local = format!("{}T{}:00{}", &row[0], &row[1], &row[2]);
        assert_eq!(local, post.local_time);
    }

    for picture in ["heatmap", "month"] {
        let svg = file(&format!("{picture}.svg"));
        assert_eq!(count_posts(&svg), posts, "{picture}");
        let (width, height) = svg_size(&svg);
        assert_eq!(
            png_size(&file(&format!("{picture}.png"))),
            (width * 2, height * 2)
        );
    }
}

#[test]
fn re_exporting_under_one_calendar_id_keeps_every_uid() {
    let dir = tempfile::tempdir().unwrap();
    let ics = dir.path().join("plan.ics");
    let flags = [
        "--calendar-id",
        "bakery-spring",
        "--ics",
        ics.to_str().unwrap(),
    ];

    plan_bakery(&dir.path().join("first.json"), &flags);
    let (_, first) = read_ics(&ics);
    plan_bakery(&dir.path().join("second.json"), &flags);
    let (_, second) = read_ics(&ics);

    assert_eq!(first, second);
    assert!(
        first
            .iter()
            .all(|(uid, _)| uid.starts_with("bakery-spring/"))
    );
}

#[test]
fn plan_help_documents_the_export_flags() {
    let output = Command::new(env!("CARGO_BIN_EXE_slotwise"))
        .args(["plan", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8(output.stdout).unwrap();
    for flag in [
        "--ics",
        "--csv",
        "--svg-heatmap",
        "--svg-month",
        "--png",
        "--calendar-id",
        "--event-minutes",
    ] {
        assert!(help.contains(flag), "{flag} missing from\n{help}");
    }
}
