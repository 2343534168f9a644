//! The pictures: well-formed SVG with one mark per post, and PNGs of the expected size.

#![allow(clippy::unwrap_used)]

mod common;

use common::{calendar, london_fortnight, pinned, post};
use slotwise_export::{
    ExportError,
    picture::{
        HOURS_OF_WEEK, LearnedHeatmap, PNG_SCALE, heatmap_svg, learned_vs_stated_svg, month_svg,
        svg_to_png,
    },
};

/// A heatmap peaking in the evening, as a bakery's audience might.
fn evening_heatmap() -> Vec<f64> {
    (0..HOURS_OF_WEEK)
        .map(|hour| {
            let local = (hour % 24) as f64;
            0.1 + 0.8 * (-((local - 18.0) / 4.0).powi(2)).exp()
        })
        .collect()
}

/// The elements of `svg` (parsed with a real XML parser) whose class is `class`.
fn count_class(svg: &str, class: &str) -> usize {
    let document = roxmltree::Document::parse(svg).unwrap();
    document
        .descendants()
        .filter(|node| node.attribute("class") == Some(class))
        .count()
}

/// The text of every `text` element, as a viewer lays it out (whitespace at the ends dropped).
fn texts(svg: &str) -> Vec<String> {
    let document = roxmltree::Document::parse(svg).unwrap();
    document
        .descendants()
        .filter(|node| node.has_tag_name("text"))
        .filter_map(|node| node.text())
        .map(|text| text.trim().to_owned())
        .collect()
}

/// The size the SVG declares, in SVG units.
fn declared_size(svg: &str) -> (f64, f64) {
    let document = roxmltree::Document::parse(svg).unwrap();
    let root = document.root_element();
    let number = |name| root.attribute(name).unwrap().parse::<f64>().unwrap();
    (number("width"), number("height"))
}

fn png_size(png: &[u8]) -> (u32, u32) {
    let decoder = png::Decoder::new(std::io::Cursor::new(png));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let frame = reader.next_frame(&mut pixels).unwrap();
    (frame.width, frame.height)
}

#[test]
fn the_heatmap_has_168_cells_and_one_dot_per_post() {
    let plan = london_fortnight();
    let svg = heatmap_svg(&plan, &evening_heatmap()).unwrap();

    assert_eq!(count_class(&svg, "cell"), HOURS_OF_WEEK);
    assert_eq!(count_class(&svg, "post"), plan.posts.len());
    assert!(
        svg.contains("Behind the scenes (4)"),
        "the pillar legend counts posts"
    );
    assert!(svg.contains("pinned: already scheduled"));
}

#[test]
fn a_post_sits_in_the_cell_of_its_local_hour() {
    // 17:00 UTC on 28 March 2027 is 18:00 in London (BST): Sunday, column 18.
    let plan = calendar(
        chrono_tz::Europe::London,
        vec![post("2027-03-28T17:00:00Z", "tips")],
    );
    let svg = heatmap_svg(&plan, &evening_heatmap()).unwrap();
    let document = roxmltree::Document::parse(&svg).unwrap();
    let dot = document
        .descendants()
        .find(|node| node.attribute("class") == Some("post"))
        .unwrap();
    let title = dot
        .children()
        .find(|node| node.has_tag_name("title"))
        .unwrap();

    assert!(
        title
            .text()
            .unwrap()
            .starts_with("Sun 28 Mar 2027 18:00 BST")
    );
    let cx: f64 = dot.attribute("cx").unwrap().parse().unwrap();
    let cy: f64 = dot.attribute("cy").unwrap().parse().unwrap();
    let cell = document
        .descendants()
        .filter(|node| node.attribute("class") == Some("cell"))
        .nth(6 * 24 + 18)
        .unwrap();
    let at = |name| cell.attribute(name).unwrap().parse::<f64>().unwrap();
    assert!(cx > at("x") && cx < at("x") + at("width"), "cx {cx}");
    assert!(cy > at("y") && cy < at("y") + at("height"), "cy {cy}");
}

#[test]
fn the_month_view_lists_every_post_once_in_its_own_month() {
    let plan = london_fortnight();
    let svg = month_svg(&plan).unwrap();

    assert_eq!(count_class(&svg, "post"), plan.posts.len());
    assert_eq!(
        count_class(&svg, "month"),
        2,
        "the fortnight runs into April"
    );
    assert!(svg.contains("March 2027") && svg.contains("April 2027"));
    assert!(svg.contains("GMT → BST"), "the change of clocks is marked");
    let texts = texts(&svg);
    assert!(
        texts.contains(&"18:00 Bread 101 2/3".to_owned()),
        "an episode shows its series"
    );
    assert!(
        texts.contains(&"08:00 Behind the scenes".to_owned()),
        "labels fit their day"
    );
}

#[test]
fn an_empty_plan_still_draws() {
    let plan = calendar(chrono_tz::Europe::London, vec![]);

    let month = month_svg(&plan).unwrap();
    assert_eq!(count_class(&month, "post"), 0);
    assert!(month.contains("No posts in this plan."));
    let heatmap = heatmap_svg(&plan, &evening_heatmap()).unwrap();
    assert_eq!(count_class(&heatmap, "post"), 0);
}

#[test]
fn a_month_view_of_posts_years_apart_is_refused_not_drawn() {
    let year = calendar(
        chrono_tz::Europe::London,
        vec![
            post("2027-01-04T18:00:00Z", "tips"),
            post("2027-12-20T18:00:00Z", "tips"),
        ],
    );
    let years = calendar(
        chrono_tz::Europe::London,
        vec![
            post("2027-01-04T18:00:00Z", "tips"),
            post("2031-06-02T18:00:00Z", "tips"),
        ],
    );

    assert!(month_svg(&year).is_ok(), "a year of posts is drawn");
    assert!(matches!(
        month_svg(&years),
        Err(ExportError::SpanTooLong {
            months: 54,
            max: 13
        })
    ));
}

#[test]
fn a_heatmap_of_the_wrong_shape_is_refused_naming_the_field() {
    let plan = london_fortnight();

    let error = heatmap_svg(&plan, &[0.5; 167]).unwrap_err();
    assert_eq!(
        error.to_string(),
        "heatmap must have 168 values, one per local hour of the week, got 167"
    );
    let mut negative = evening_heatmap();
    negative[30] = -0.1;
    let error = heatmap_svg(&plan, &negative).unwrap_err();
    assert!(
        matches!(error, ExportError::Negative { hour: 30, .. }),
        "{error}"
    );
}

#[test]
fn pngs_decode_at_twice_the_svg_size() {
    let plan = london_fortnight();
    for svg in [
        heatmap_svg(&plan, &evening_heatmap()).unwrap(),
        month_svg(&plan).unwrap(),
    ] {
        let png = svg_to_png(&svg, PNG_SCALE).unwrap();
        let (width, height) = declared_size(&svg);
        let expected = (
            (width * f64::from(PNG_SCALE)).round() as u32,
            (height * f64::from(PNG_SCALE)).round() as u32,
        );
        assert_eq!(png_size(&png), expected);
    }
}

#[test]
fn png_text_is_drawn_with_the_bundled_font() {
    // Text alone on a white page: without a font it would come out blank.
    let svg = concat!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="80" height="30">"#,
        r#"<rect width="80" height="30" fill="white"/>"#,
        r#"<text x="4" y="22" font-size="18" font-family="Noto Sans">Tips</text></svg>"#,
    );
    let png = svg_to_png(svg, 1.0).unwrap();

    let decoder = png::Decoder::new(std::io::Cursor::new(png));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    reader.next_frame(&mut pixels).unwrap();
    let dark = pixels.chunks(4).filter(|pixel| pixel[0] < 128).count();
    assert!(dark > 40, "only {dark} dark pixels: no text was drawn");
}

fn learned() -> LearnedHeatmap {
    let stated = evening_heatmap();
    let mean: Vec<f64> = stated
        .iter()
        .enumerate()
        .map(|(hour, value)| match hour % 24 {
            7..=9 => value + 0.3,
            20..=22 => value - 0.3,
            _ => *value,
        })
        .collect();
    LearnedHeatmap {
        low: mean.iter().map(|value| value - 0.1).collect(),
        high: mean.iter().map(|value| value + 0.1).collect(),
        evidence: (0..HOURS_OF_WEEK)
            .map(|hour| format!("{} posts", hour % 5))
            .collect(),
        stated,
        mean,
    }
}

#[test]
fn learned_vs_stated_draws_every_hour_and_counts_what_moved() {
    let svg = learned_vs_stated_svg(&learned(), "bakery").unwrap();

    assert_eq!(count_class(&svg, "hour"), HOURS_OF_WEEK);
    assert_eq!(count_class(&svg, "day"), 7);
    // Three hours a day raised, three lowered.
    assert!(
        svg.contains("raised 21 hours and lowered 21; 126 agree"),
        "{svg}"
    );
    assert!(
        svg.contains("· 3 posts"),
        "the evidence label is in the tooltip"
    );
    let png = svg_to_png(&svg, 1.0).unwrap();
    let (width, height) = declared_size(&svg);
    assert_eq!(
        png_size(&png),
        (width.round() as u32, height.round() as u32)
    );
}

#[test]
fn learned_vs_stated_refuses_an_inverted_interval() {
    let mut learned = learned();
    learned.low[40] = learned.high[40] + 1.0;
    let error = learned_vs_stated_svg(&learned, "bakery").unwrap_err();
    assert!(
        matches!(error, ExportError::InvertedInterval { hour: 40, .. }),
        "{error}"
    );

    learned.evidence.pop();
    learned.low[40] = learned.high[40];
    let error = learned_vs_stated_svg(&learned, "bakery").unwrap_err();
    assert_eq!(
        error.to_string(),
        "evidence must be empty or have 168 labels, got 167"
    );
}

#[test]
fn pinned_posts_are_rings_in_the_pictures() {
    let plan = calendar(
        chrono_tz::Europe::London,
        vec![pinned(post("2027-03-22T08:00:00Z", "bts"), "teaser")],
    );
    let svg = heatmap_svg(&plan, &evening_heatmap()).unwrap();
    let document = roxmltree::Document::parse(&svg).unwrap();
    let dot = document
        .descendants()
        .find(|node| node.attribute("class") == Some("post"))
        .unwrap();
    assert_eq!(dot.attribute("fill"), Some("#ffffff"));
}
