//! Pictures of a plan: SVG documents, and the same pictures as PNG.
//!
//! - [`heatmap_svg`]: the audience heatmap, Monday to Sunday by local hour, with a dot per
//!   planned post coloured by pillar;
//! - [`month_svg`]: a month grid per month the plan touches, each day listing its posts;
//! - [`learned_vs_stated_svg`]: for each hour of the week, the stated heatmap value beside the
//!   learned one with its 95% interval, so a person sees what the evidence changed.
//!
//! The SVG is written element by element with the `svg` crate rather than through a charting
//! library: every post becomes one element of class `post` with a `<title>` (a tooltip in a
//! browser, and a handle for tests and stylesheets), which plotters' SVG backend cannot emit,
//! and these pictures are grids more than charts. [`svg_to_png`] rasterises the very same SVG
//! with resvg and a bundled Noto Sans, so the PNG needs no fonts or libraries on the machine
//! and shows exactly what the SVG shows.

mod heatmap;
mod learned;
mod month;
mod raster;
mod style;

pub use heatmap::heatmap_svg;
pub use learned::{LearnedHeatmap, learned_vs_stated_svg};
pub use month::month_svg;
pub use raster::{PNG_SCALE, svg_to_png};

/// Hours in a week: a heatmap has one value per local hour, Monday 00:00 first.
pub const HOURS_OF_WEEK: usize = 168;
