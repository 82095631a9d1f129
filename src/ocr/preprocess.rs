//! Preparing a decoded page for the engine: grayscale (transparency over white), dark
//! backgrounds inverted to dark-on-light, small UI text scaled up towards ~300 DPI, and the page
//! cut into bands at blank rows so that several engines can read one page at once. Good scans
//! (text already large) are left at their size. Each step is switchable so the accuracy bench
//! can show what it is worth.

use image::imageops::{self, FilterType};
use image::{DynamicImage, GrayImage};

/// Line heights (ink rows of one text line) below this are scaled up, for Chinese, Japanese
/// and Korean (dense strokes: 15 px lines read at CER 0.11 at 1x, 0.03 at 2x)…
const SMALL_LINE_PX_CJK: u32 = 22;
/// …and for Latin scripts, which read as well at 1x down to ~14 px lines (and 4x the pixels
/// would cost 4x the time).
const SMALL_LINE_PX_LATIN: u32 = 14;
/// The line height small text is scaled up to.
const TARGET_LINE_PX: u32 = 30;
/// The largest upscale factor.
const MAX_SCALE: u32 = 4;
/// Upscaling never makes a page larger than this many pixels.
const MAX_SCALED_PIXELS: u64 = 40_000_000;
/// A band is only worth its own engine call with at least this many rows.
const MIN_BAND_ROWS: u32 = 64;
/// Blank rows at least this tall (at the processing scale) may be cut.
const MIN_GAP_ROWS: u32 = 3;

/// Which steps run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PreprocessOptions {
    /// Invert white-on-dark pages to dark-on-light.
    pub invert_dark: bool,
    /// Scale small text up.
    pub upscale_small: bool,
    /// Cut the page into at most this many bands (1, the default: no cutting; bands let
    /// several engines share a page but cost accuracy where a cut splits a layout).
    pub max_bands: usize,
}

impl Default for PreprocessOptions {
    fn default() -> Self {
        Self {
            invert_dark: true,
            upscale_small: true,
            max_bands: 1,
        }
    }
}

/// A rectangle of the prepared page, read on its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Region {
    /// Left edge.
    pub left: u32,
    /// Top edge.
    pub top: u32,
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
}

/// A page ready for the engine.
#[derive(Debug)]
pub struct PreparedPage {
    /// The processed pixels (8-bit gray, dark text on a light background when inverted).
    pub image: GrayImage,
    /// How much the page was scaled up (1 = original size).
    pub scale: u32,
    /// Whether it was inverted.
    pub inverted: bool,
    /// Parts of `image` to read separately, in reading order (bands cut at blank rows, or
    /// columns); together they cover the page.
    pub regions: Vec<Region>,
    /// The source resolution to tell the engine.
    pub ppi: u32,
}

/// Runs the enabled steps on one page; `cjk` when the languages include Chinese, Japanese or
/// Korean.
#[must_use]
pub fn prepare(page: &DynamicImage, options: PreprocessOptions, cjk: bool) -> PreparedPage {
    let mut image = to_gray(page);
    let inverted = options.invert_dark && median(&histogram(&image)) < 110;
    if inverted {
        imageops::invert(&mut image);
    }
    let threshold = otsu(&histogram(&image));
    let line = median_line_height(&image, threshold);
    let mut scale = 1;
    if options.upscale_small
        && let Some(line) = line
        && line
            < if cjk {
                SMALL_LINE_PX_CJK
            } else {
                SMALL_LINE_PX_LATIN
            }
    {
        let pixels = u64::from(image.width()) * u64::from(image.height());
        scale = TARGET_LINE_PX.div_ceil(line.max(1)).clamp(1, MAX_SCALE);
        while scale > 1 && pixels * u64::from(scale * scale) > MAX_SCALED_PIXELS {
            scale -= 1;
        }
    }
    if scale > 1 {
        image = imageops::resize(
            &image,
            image.width() * scale,
            image.height() * scale,
            FilterType::CatmullRom,
        );
    }
    let (width, height) = image.dimensions();
    let regions = if let Some((gutter_left, gutter_right)) = column_gutter(&image, threshold) {
        // Two columns: read each on its own, left then right (tesseract's own layout analysis
        // sometimes reads straight across a narrow gutter).
        let cut = u32::midpoint(gutter_left, gutter_right);
        vec![
            Region {
                left: 0,
                top: 0,
                width: cut,
                height,
            },
            Region {
                left: cut,
                top: 0,
                width: width - cut,
                height,
            },
        ]
    } else if options.max_bands > 1 {
        cut_bands(&image, threshold, options.max_bands)
            .into_iter()
            .map(|(top, bottom)| Region {
                left: 0,
                top,
                width,
                height: bottom - top,
            })
            .collect()
    } else {
        vec![Region {
            left: 0,
            top: 0,
            width,
            height,
        }]
    };
    // Screenshots carry no resolution; with the line height near the target this is ~300 DPI.
    let ppi = line.map_or(300, |line| (line * scale * 8).clamp(70, 600));

    tracing::debug!(
        ?line,
        scale,
        inverted,
        ppi,
        regions = regions.len(),
        "prepared a page"
    );
    PreparedPage {
        image,
        scale,
        inverted,
        regions,
        ppi,
    }
}

/// 8-bit gray; transparent pixels are laid over white (text on a transparent PNG stays
/// readable).
#[must_use]
pub fn to_gray(page: &DynamicImage) -> GrayImage {
    if !page.color().has_alpha() {
        return page.to_luma8();
    }
    let with_alpha = page.to_luma_alpha8();
    GrayImage::from_fn(with_alpha.width(), with_alpha.height(), |x, y| {
        let [luma, alpha] = with_alpha.get_pixel(x, y).0;
        let (luma, alpha) = (u32::from(luma), u32::from(alpha));
        image::Luma([((luma * alpha + 255 * (255 - alpha)) / 255) as u8])
    })
}

fn histogram(image: &GrayImage) -> [u64; 256] {
    let mut histogram = [0_u64; 256];
    for &value in image.as_raw() {
        histogram[usize::from(value)] += 1;
    }
    histogram
}

fn median(histogram: &[u64; 256]) -> u8 {
    let total: u64 = histogram.iter().sum();
    let mut seen = 0;
    for (value, count) in histogram.iter().enumerate() {
        seen += count;
        if seen * 2 >= total {
            return value as u8;
        }
    }
    255
}

/// Otsu's threshold: the gray level that best separates ink from background.
fn otsu(histogram: &[u64; 256]) -> u8 {
    let total: u64 = histogram.iter().sum();
    let sum_all: f64 = histogram
        .iter()
        .enumerate()
        .map(|(value, &count)| value as f64 * count as f64)
        .sum();
    let (mut best, mut best_variance) = (128_u8, -1.0_f64);
    let (mut weight_low, mut sum_low) = (0_u64, 0.0_f64);
    for (value, &count) in histogram.iter().enumerate() {
        weight_low += count;
        sum_low += value as f64 * count as f64;
        let weight_high = total - weight_low;
        if weight_low == 0 || weight_high == 0 {
            continue;
        }
        let mean_low = sum_low / weight_low as f64;
        let mean_high = (sum_all - sum_low) / weight_high as f64;
        let variance = weight_low as f64 * weight_high as f64 * (mean_low - mean_high).powi(2);
        if variance > best_variance {
            best_variance = variance;
            best = value as u8;
        }
    }
    best
}

/// Which rows hold ink (pixels darker than `threshold`), ignoring single-pixel noise.
fn ink_rows(image: &GrayImage, threshold: u8) -> Vec<bool> {
    let min_ink = (image.width() / 1000).max(1) as usize;
    image
        .as_raw()
        .chunks_exact(image.width().max(1) as usize)
        .map(|row| row.iter().filter(|&&v| v <= threshold).count() >= min_ink)
        .collect()
}

/// Runs of ink rows as `(start, end)`.
fn runs(rows: &[bool]) -> Vec<(u32, u32)> {
    let mut runs = Vec::new();
    let mut start = None;
    for (y, &ink) in rows.iter().enumerate() {
        match (ink, start) {
            (true, None) => start = Some(y as u32),
            (false, Some(s)) => {
                runs.push((s, y as u32));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        runs.push((s, rows.len() as u32));
    }
    runs
}

/// The median height of the text lines found by the row profile, if any.
fn median_line_height(image: &GrayImage, threshold: u8) -> Option<u32> {
    let mut heights: Vec<u32> = runs(&ink_rows(image, threshold))
        .into_iter()
        .map(|(start, end)| end - start)
        .filter(|&h| h >= 4)
        .collect();
    if heights.is_empty() {
        return None;
    }
    heights.sort_unstable();
    Some(heights[heights.len() / 2])
}

/// A blank vertical strip `(left, right)` down the middle part of the page with text on both
/// sides in mostly the same rows: two columns, where bands cut across would mix the columns'
/// order. Chat screenshots (left and right bubbles in alternate rows) do not qualify.
fn column_gutter(image: &GrayImage, threshold: u8) -> Option<(u32, u32)> {
    let (width, _) = image.dimensions();
    if width < 100 {
        return None;
    }
    let rows: Vec<&[u8]> = image.as_raw().chunks_exact(width as usize).collect();
    let mut ink_columns = vec![false; width as usize];
    for row in &rows {
        for (x, &v) in row.iter().enumerate() {
            if v <= threshold {
                ink_columns[x] = true;
            }
        }
    }
    let min_gutter = (width / 40).max(8) as usize;
    let (from, to) = ((width / 5) as usize, (width * 4 / 5) as usize);
    let mut start = None;
    let mut gutter = None;
    for (x, &ink) in ink_columns.iter().enumerate().take(to).skip(from) {
        match (ink, start) {
            (false, None) => start = Some(x),
            (true, Some(s)) => {
                if x - s >= min_gutter && gutter.is_none_or(|(l, r): (usize, usize)| x - s > r - l)
                {
                    gutter = Some((s, x));
                }
                start = None;
            }
            _ => {}
        }
    }
    let (left, right) = gutter?;
    let (mut both, mut either) = (0_usize, 0_usize);
    for row in &rows {
        let left_ink = row[..left].iter().any(|&v| v <= threshold);
        let right_ink = row[right..].iter().any(|&v| v <= threshold);
        both += usize::from(left_ink && right_ink);
        either += usize::from(left_ink || right_ink);
    }
    (either > 0 && both * 2 > either).then_some((left as u32, right as u32))
}

/// Cuts the page into up to `max_bands` bands of similar height, only through blank rows.
fn cut_bands(image: &GrayImage, threshold: u8, max_bands: usize) -> Vec<(u32, u32)> {
    let height = image.height();
    let whole = vec![(0, height)];
    if height < MIN_BAND_ROWS * 2 {
        return whole;
    }
    // Middles of blank gaps between ink runs are the candidate cuts.
    let ink = runs(&ink_rows(image, threshold));
    let cuts: Vec<u32> = ink
        .windows(2)
        .filter(|pair| pair[1].0 - pair[0].1 >= MIN_GAP_ROWS)
        .map(|pair| u32::midpoint(pair[0].1, pair[1].0))
        .collect();
    let mut bands = Vec::new();
    let mut top = 0;
    for k in 1..max_bands as u32 {
        let ideal = height * k / max_bands as u32;
        let Some(&cut) = cuts
            .iter()
            .filter(|&&cut| cut >= top + MIN_BAND_ROWS && cut + MIN_BAND_ROWS <= height)
            .min_by_key(|&&cut| cut.abs_diff(ideal))
        else {
            continue;
        };
        bands.push((top, cut));
        top = cut;
    }
    bands.push((top, height));
    bands
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A page with dark horizontal "text lines" of `line` rows every `pitch` rows.
    fn striped(width: u32, height: u32, line: u32, pitch: u32, dark_background: bool) -> GrayImage {
        let (ink, paper) = if dark_background {
            (230, 20)
        } else {
            (10, 250)
        };
        GrayImage::from_fn(width, height, |x, y| {
            let in_line = y % pitch >= 10 && y % pitch < 10 + line && (20..width - 20).contains(&x);
            image::Luma([if in_line && x % 3 != 0 { ink } else { paper }])
        })
    }

    #[test]
    fn dark_pages_are_inverted_and_light_ones_are_not() {
        let dark = prepare(
            &DynamicImage::ImageLuma8(striped(400, 300, 30, 60, true)),
            PreprocessOptions::default(),
            true,
        );
        assert!(dark.inverted, "dark background detected");
        assert!(
            dark.image.get_pixel(0, 0).0[0] > 200,
            "background now light"
        );
        let light = prepare(
            &DynamicImage::ImageLuma8(striped(400, 300, 30, 60, false)),
            PreprocessOptions::default(),
            true,
        );
        assert!(!light.inverted, "light page left alone");
    }

    #[test]
    fn small_text_is_scaled_up_and_large_text_left_alone() {
        let small = prepare(
            &DynamicImage::ImageLuma8(striped(300, 200, 10, 20, false)),
            PreprocessOptions::default(),
            true,
        );
        assert_eq!(small.scale, 3, "10-row lines scaled towards 30");
        assert_eq!(small.image.width(), 900, "width scaled too");
        let large = prepare(
            &DynamicImage::ImageLuma8(striped(300, 400, 40, 60, false)),
            PreprocessOptions::default(),
            true,
        );
        assert_eq!(large.scale, 1, "40-row lines are already large");
        let medium = || DynamicImage::ImageLuma8(striped(300, 400, 16, 40, false));
        assert_eq!(
            prepare(&medium(), PreprocessOptions::default(), false).scale,
            1,
            "16-row Latin lines read well as they are"
        );
        assert_eq!(
            prepare(&medium(), PreprocessOptions::default(), true).scale,
            2,
            "16-row CJK lines are doubled"
        );
        let off = PreprocessOptions {
            upscale_small: false,
            ..PreprocessOptions::default()
        };
        assert_eq!(
            prepare(
                &DynamicImage::ImageLuma8(striped(300, 200, 10, 20, false)),
                off,
                true
            )
            .scale,
            1,
            "switch off"
        );
    }

    #[test]
    fn bands_are_cut_only_through_blank_rows_and_cover_the_page() {
        let image = striped(400, 600, 30, 60, false);
        let threshold = otsu(&histogram(&image));
        let bands = cut_bands(&image, threshold, 2);
        assert_eq!(bands.len(), 2, "{bands:?}");
        assert_eq!(bands[0].0, 0, "starts at the top");
        assert_eq!(bands[1].1, 600, "ends at the bottom");
        assert_eq!(bands[0].1, bands[1].0, "no gap, no overlap");
        let cut = bands[0].1;
        let ink = ink_rows(&image, threshold);
        assert!(!ink[cut as usize], "cut at row {cut} goes through ink");
    }

    #[test]
    fn two_columns_are_read_column_by_column_but_chats_are_not() {
        let image = GrayImage::from_fn(800, 600, |x, y| {
            let in_column = (20..380).contains(&x) || (420..780).contains(&x);
            image::Luma([if in_column && y % 60 < 30 && x % 3 != 0 {
                10
            } else {
                250
            }])
        });
        let prepared = prepare(
            &DynamicImage::ImageLuma8(image),
            PreprocessOptions::default(),
            true,
        );
        assert_eq!(prepared.regions.len(), 2, "{:?}", prepared.regions);
        assert_eq!(prepared.regions[0].left, 0, "left column first");
        assert!(
            (380..420).contains(&prepared.regions[1].left),
            "cut in the gutter: {:?}",
            prepared.regions
        );
        // Alternating left/right rows (a chat) are not columns.
        let chat = GrayImage::from_fn(800, 600, |x, y| {
            let left_row = y % 120 < 30 && (20..300).contains(&x);
            let right_row = (60..90).contains(&(y % 120)) && (500..780).contains(&x);
            image::Luma([if (left_row || right_row) && x % 3 != 0 {
                10
            } else {
                250
            }])
        });
        let prepared = prepare(
            &DynamicImage::ImageLuma8(chat),
            PreprocessOptions::default(),
            true,
        );
        assert!(
            prepared
                .regions
                .iter()
                .all(|r| r.left == 0 && r.width == 800),
            "{:?}",
            prepared.regions
        );
    }

    #[test]
    fn transparent_pixels_become_white() {
        let rgba = image::RgbaImage::from_pixel(4, 4, image::Rgba([0, 0, 0, 0]));
        let gray = to_gray(&DynamicImage::ImageRgba8(rgba));
        assert_eq!(gray.get_pixel(1, 1).0[0], 255, "transparent over white");
    }
}
