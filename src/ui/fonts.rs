//! Loads a CJK font so Chinese renders: egui's built-in fonts have no CJK glyphs, and eframe's
//! system-font fallback does not run in tests. The file is memory-mapped, not read: Noto Sans
//! CJK is ~20 MB, and mapping it costs ~2 MiB of resident memory instead of the whole file.

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Candidate fonts: (path, face index in a collection). Index 2 of Noto Sans CJK is the
/// Simplified Chinese face.
const CANDIDATES: &[(&str, u32)] = &[
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc", 2),
    (
        "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
        2,
    ),
    (
        "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf",
        0,
    ),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    (
        "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
        0,
    ),
    ("/System/Library/Fonts/PingFang.ttc", 0),
    ("/System/Library/Fonts/STHeiti Light.ttc", 0),
    ("C:\\Windows\\Fonts\\msyh.ttc", 0),
    ("C:\\Windows\\Fonts\\simsun.ttc", 0),
];

/// The environment variable that names a font file to use instead (`path` or `path#index`).
pub const FONT_ENV: &str = "OCRCHAT_CJK_FONT";

/// The CJK font to load: from [`FONT_ENV`], else the first candidate that exists.
pub fn find_cjk_font() -> Option<(PathBuf, u32)> {
    if let Ok(value) = std::env::var(FONT_ENV)
        && !value.is_empty()
    {
        let (path, index) = match value.rsplit_once('#') {
            Some((path, index)) => (path.to_owned(), index.parse().unwrap_or(0)),
            None => (value, 0),
        };
        return Some((PathBuf::from(path), index));
    }
    CANDIDATES
        .iter()
        .map(|(path, index)| (Path::new(path), *index))
        .find(|(path, _)| path.is_file())
        .map(|(path, index)| (path.to_path_buf(), index))
}

/// Adds the CJK font as a fallback after egui's own fonts, for both proportional and
/// monospace text. Returns `false` (and leaves the fonts as they were) when none is found.
pub fn install_cjk_font(ctx: &egui::Context) -> bool {
    let Some((path, index)) = find_cjk_font() else {
        tracing::warn!("no CJK font found; set {FONT_ENV} to a .ttf/.ttc/.otf file");
        return false;
    };
    let file = match std::fs::File::open(&path) {
        Ok(file) => file,
        Err(err) => {
            tracing::warn!("cannot open CJK font {}: {err}", path.display());
            return false;
        }
    };
    // SAFETY: the font file is a read-only system file; if another process truncated it while
    // mapped we could fault, which is the same trust every font renderer places in fonts.
    let map = match unsafe { memmap2::Mmap::map(&file) } {
        Ok(map) => map,
        Err(err) => {
            tracing::warn!("cannot map CJK font {}: {err}", path.display());
            return false;
        }
    };
    let mut fonts = egui::FontDefinitions::default();
    let name = "cjk".to_owned();
    fonts.font_data.insert(
        name.clone(),
        Arc::new(egui::FontData::from_blob(Arc::new(map), index)),
    );
    for family in [egui::FontFamily::Proportional, egui::FontFamily::Monospace] {
        fonts.families.entry(family).or_default().push(name.clone());
    }
    ctx.set_fonts(fonts);
    true
}
