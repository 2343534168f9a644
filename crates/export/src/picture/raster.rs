//! SVG to PNG with resvg and a bundled font: no fonts or libraries of the machine are used,
//! so a PNG comes out the same on a fresh server as on a laptop.

use std::sync::{Arc, OnceLock};

use resvg::{tiny_skia, usvg};

use crate::ExportError;

/// Pixels per SVG unit: twice the size keeps text sharp on high-density screens.
pub const PNG_SCALE: f32 = 2.0;

/// The font the pictures are drawn in, as the SVGs name it.
const FAMILY: &str = "Noto Sans";

/// Renders `svg` to PNG bytes at `scale` pixels per SVG unit.
pub fn svg_to_png(svg: &str, scale: f32) -> Result<Vec<u8>, ExportError> {
    let options = usvg::Options {
        font_family: FAMILY.to_owned(),
        fontdb: fonts(),
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(svg, &options)?;

    let size = tree.size().to_int_size().scale_by(scale);
    let (width, height) = size.map_or((0, 0), |size| (size.width(), size.height()));
    let mut pixmap =
        tiny_skia::Pixmap::new(width, height).ok_or(ExportError::PixmapSize { width, height })?;
    resvg::render(
        &tree,
        tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );

    Ok(pixmap.encode_png()?)
}

/// Noto Sans regular and bold, loaded once and shared by every rendering.
fn fonts() -> Arc<usvg::fontdb::Database> {
    static FONTS: OnceLock<Arc<usvg::fontdb::Database>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            let mut fonts = usvg::fontdb::Database::new();
            fonts.load_font_data(ttf_noto_sans::REGULAR.to_vec());
            fonts.load_font_data(ttf_noto_sans::BOLD.to_vec());
            fonts.set_sans_serif_family(FAMILY);
            Arc::new(fonts)
        })
        .clone()
}
