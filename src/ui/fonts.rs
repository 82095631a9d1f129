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

/// Bold faces matching the regular candidates: (path, face index).
const BOLD_CANDIDATES: &[(&str, u32)] = &[
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 2),
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc", 2),
    ("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Bold.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSansCJKsc-Bold.otf", 0),
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", 0),
];

/// The font family of bold text (Markdown `**bold**`, headings). Always defined by
/// [`install_cjk_font`]; it falls back to the regular faces when no bold face is installed.
pub fn bold_family() -> egui::FontFamily {
    egui::FontFamily::Name("bold".into())
}

/// The bold face to load: the bold sibling of the regular CJK font when it exists (same
/// metrics, so bold and regular text share a baseline), else the first bold candidate.
fn find_bold_font(regular: Option<&(PathBuf, u32)>) -> Option<(PathBuf, u32)> {
    // A collection's bold sibling has its faces in the same order as the regular one.
    let sibling = regular.and_then(|(path, index)| {
        let name = path.file_name()?.to_str()?;
        let bold = path.with_file_name(name.replace("Regular", "Bold"));
        (name.contains("Regular") && bold.is_file()).then_some((bold, *index))
    });
    if sibling.is_some() {
        return sibling;
    }
    BOLD_CANDIDATES
        .iter()
        .map(|(path, index)| (Path::new(path), *index))
        .find(|(path, _)| path.is_file())
        .map(|(path, index)| (path.to_path_buf(), index))
}

/// Memory-maps a font file as egui font data; `None` (logged) when it cannot be read.
#[expect(
    unsafe_code,
    reason = "memory-mapping the font saves ~18 MiB of RSS (DESIGN.md)"
)]
fn map_font(path: &Path, index: u32) -> Option<Arc<egui::FontData>> {
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(err) => {
            tracing::warn!("cannot open font {}: {err}", path.display());
            return None;
        }
    };
    // SAFETY: the font file is a read-only system file; if another process truncated it while
    // mapped we could fault, which is the same trust every font renderer places in fonts.
    match unsafe { memmap2::Mmap::map(&file) } {
        Ok(map) => Some(Arc::new(egui::FontData::from_blob(Arc::new(map), index))),
        Err(err) => {
            tracing::warn!("cannot map font {}: {err}", path.display());
            None
        }
    }
}

/// Installs the window's fonts: the CJK font first for proportional text (its Latin and
/// Chinese glyphs share one design and one baseline), last for monospace, and the
/// [`bold_family`] from the matching bold face. Returns whether a CJK font was found; without
/// one, egui's own fonts stay and the bold family falls back to them.
pub fn install_cjk_font(ctx: &egui::Context) -> bool {
    let mut fonts = egui::FontDefinitions::default();
    let regular = find_cjk_font();
    let cjk = regular
        .as_ref()
        .and_then(|(path, index)| map_font(path, *index));
    let proportional = fonts
        .families
        .get(&egui::FontFamily::Proportional)
        .cloned()
        .unwrap_or_default();
    let mut bold_list = proportional.clone();
    if let Some(data) = cjk.clone() {
        fonts.font_data.insert("cjk".to_owned(), data);
        fonts
            .families
            .entry(egui::FontFamily::Proportional)
            .or_default()
            .insert(0, "cjk".to_owned());
        fonts
            .families
            .entry(egui::FontFamily::Monospace)
            .or_default()
            .push("cjk".to_owned());
        bold_list.insert(0, "cjk".to_owned());
    } else {
        tracing::warn!("no CJK font found; set {FONT_ENV} to a .ttf/.ttc/.otf file");
    }
    let bold = find_bold_font(regular.as_ref()).and_then(|(path, index)| map_font(&path, index));
    if let Some(data) = bold {
        fonts.font_data.insert("bold".to_owned(), data);
        bold_list.insert(0, "bold".to_owned());
    }
    fonts.families.insert(bold_family(), bold_list);
    ctx.set_fonts(fonts);
    cjk.is_some()
}
