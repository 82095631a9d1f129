//! Pixel work for the OCR inspector, always on a blocking thread: the picture to show (bounded
//! for a texture), a region cut out and enlarged for region OCR, a quarter-turn rotation, and
//! mapping a region's OCR boxes back into the whole image's pixels.

use image::DynamicImage;
use image::imageops::FilterType;

use crate::domain::{OcrBox, OcrResult};
use crate::ocr::OcrError;

/// The longest side of the picture the window uploads as a texture.
pub const MAX_DISPLAY_SIDE: u32 = 4096;
/// The most pixels of that picture (32 MiB of RGBA; a 4096×4096 texture would take 64 MiB).
const MAX_DISPLAY_PIXELS: u64 = 8_000_000;
/// Region OCR enlarges the cut by up to this factor (a higher effective resolution).
const MAX_REGION_SCALE: f32 = 3.0;
/// ... but never past this many pixels on the enlarged cut's longest side.
const MAX_REGION_SIDE: f32 = 4000.0;

/// The picture an inspector shows: RGBA pixels, possibly smaller than the image; the OCR boxes
/// stay in the image's own pixels (`full_width` × `full_height`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InspectImage {
    /// Width of `rgba` in pixels.
    pub width: u32,
    /// Height of `rgba` in pixels.
    pub height: u32,
    /// `width * height * 4` bytes, unmultiplied RGBA.
    pub rgba: std::sync::Arc<[u8]>,
    /// The image's width, in which the OCR boxes are given.
    pub full_width: u32,
    /// The image's height.
    pub full_height: u32,
}

impl InspectImage {
    /// The picture of `image`, scaled down to fit `MAX_DISPLAY_SIDE` and the pixel cap.
    #[must_use]
    pub fn of(image: &DynamicImage) -> Self {
        let (full_width, full_height) = (image.width(), image.height());
        let (width, height) = display_size(full_width, full_height);
        let shown = if (width, height) == (full_width, full_height) {
            image.to_rgba8()
        } else {
            image
                .resize_exact(width, height, FilterType::Triangle)
                .to_rgba8()
        };
        Self {
            width,
            height,
            rgba: shown.into_raw().into(),
            full_width,
            full_height,
        }
    }
}

/// The size a `width` × `height` image is shown at (aspect kept).
#[must_use]
pub fn display_size(width: u32, height: u32) -> (u32, u32) {
    let side = f64::from(MAX_DISPLAY_SIDE) / f64::from(width.max(height).max(1));
    let area = (MAX_DISPLAY_PIXELS as f64 / (f64::from(width) * f64::from(height)).max(1.0)).sqrt();
    let scale = side.min(area).min(1.0);
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "scale ≤ 1 keeps the product within u32; at least 1 px"
    )]
    let fit = |v: u32| ((f64::from(v) * scale).round() as u32).max(1);
    (fit(width), fit(height))
}

/// The first page of an encoded image, in the orientation the user sees.
///
/// # Errors
/// The decoder's specific error (not an image, truncated, too large…).
pub fn decode_first_page(name: &str, bytes: &[u8]) -> Result<DynamicImage, OcrError> {
    let decoded = crate::ocr::decode::decode(name, bytes)?;
    decoded
        .pages
        .into_iter()
        .next()
        .ok_or_else(|| OcrError::Empty {
            name: name.to_owned(),
        })
}

/// `region` clamped to the image; `None` when nothing of it is inside.
#[must_use]
pub fn clamp_region(region: OcrBox, width: u32, height: u32) -> Option<OcrBox> {
    let left = region.left.min(width);
    let top = region.top.min(height);
    let right = region.left.saturating_add(region.width).min(width);
    let bottom = region.top.saturating_add(region.height).min(height);
    (right > left && bottom > top).then_some(OcrBox {
        left,
        top,
        width: right - left,
        height: bottom - top,
    })
}

/// The region cut out and enlarged for OCR, and the factor it was enlarged by.
#[must_use]
pub fn region_for_ocr(image: &DynamicImage, region: OcrBox) -> (DynamicImage, f32) {
    let cut = image.crop_imm(region.left, region.top, region.width, region.height);
    let longest = region.width.max(region.height).max(1) as f32;
    let scale = (MAX_REGION_SIDE / longest).clamp(1.0, MAX_REGION_SCALE);
    if scale <= 1.0 {
        return (cut, 1.0);
    }
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "bounded by MAX_REGION_SIDE"
    )]
    let size = |v: u32| ((v as f32 * scale).round() as u32).max(1);
    let enlarged = cut.resize_exact(
        size(region.width),
        size(region.height),
        FilterType::CatmullRom,
    );
    (enlarged, scale)
}

/// Maps every box of a region's OCR result (in the enlarged cut's pixels) back into the whole
/// image's pixels.
pub fn map_region_result(result: &mut OcrResult, region: OcrBox, scale: f32) {
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "scale ≥ 1 shrinks the value"
    )]
    let back = |v: u32| (v as f32 / scale).round() as u32;
    let map = |b: &mut OcrBox| {
        *b = OcrBox {
            left: region.left + back(b.left),
            top: region.top + back(b.top),
            width: back(b.width),
            height: back(b.height),
        };
    };
    for page in &mut result.pages {
        page.width = region.width;
        page.height = region.height;
        for block in &mut page.blocks {
            map(&mut block.bbox);
            for line in &mut block.lines {
                map(&mut line.bbox);
                for word in &mut line.words {
                    map(&mut word.bbox);
                }
            }
        }
    }
}

/// `image` turned clockwise by `quarter_turns` × 90°.
#[must_use]
pub fn rotate(image: &DynamicImage, quarter_turns: u8) -> DynamicImage {
    match quarter_turns % 4 {
        1 => image.rotate90(),
        2 => image.rotate180(),
        3 => image.rotate270(),
        _ => image.clone(),
    }
}

/// `image` as PNG bytes (what a rotated attachment keeps).
///
/// # Errors
/// The encoder's message.
pub fn png_bytes(image: &DynamicImage) -> Result<Vec<u8>, String> {
    let mut png = std::io::Cursor::new(Vec::new());
    image
        .write_to(&mut png, image::ImageFormat::Png)
        .map_err(|err| format!("The turned image could not be kept: {err}."))?;
    Ok(png.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{OcrBlock, OcrLine, OcrPage, OcrWord};

    #[test]
    fn large_images_are_shown_smaller_with_their_aspect() {
        assert_eq!(display_size(800, 600), (800, 600), "small stays");
        let (w, h) = display_size(4000, 3000);
        assert!(u64::from(w) * u64::from(h) <= MAX_DISPLAY_PIXELS, "{w}×{h}");
        assert!(
            (w as f32 / h as f32 - 4.0 / 3.0).abs() < 0.01,
            "aspect {w}×{h}"
        );
        assert_eq!(display_size(20_000, 100).0, MAX_DISPLAY_SIDE, "long side");
    }

    #[test]
    fn region_boxes_map_back_into_the_image() {
        let region = OcrBox {
            left: 100,
            top: 50,
            width: 200,
            height: 40,
        };
        let image = DynamicImage::new_rgb8(1000, 800);
        let (cut, scale) = region_for_ocr(&image, region);
        assert!((scale - 3.0).abs() < f32::EPSILON, "enlarged 3×");
        assert_eq!((cut.width(), cut.height()), (600, 120), "cut size");
        let word = OcrWord {
            text: "x".into(),
            bbox: OcrBox {
                left: 30,
                top: 15,
                width: 60,
                height: 30,
            },
            confidence: 90.0,
        };
        let mut result = OcrResult {
            pages: vec![OcrPage {
                width: 600,
                height: 120,
                blocks: vec![OcrBlock {
                    bbox: word.bbox,
                    lines: vec![OcrLine {
                        text: "x".into(),
                        bbox: word.bbox,
                        words: vec![word],
                    }],
                }],
            }],
            ..OcrResult::default()
        };
        map_region_result(&mut result, region, scale);
        let mapped = result.words().next().unwrap().bbox;
        assert_eq!(
            mapped,
            OcrBox {
                left: 110,
                top: 55,
                width: 20,
                height: 10
            },
            "back in image pixels"
        );
    }

    #[test]
    fn regions_are_clamped_and_empty_ones_refused() {
        let inside = OcrBox {
            left: 90,
            top: 90,
            width: 50,
            height: 50,
        };
        assert_eq!(
            clamp_region(inside, 100, 100),
            Some(OcrBox {
                left: 90,
                top: 90,
                width: 10,
                height: 10
            }),
            "clamped"
        );
        let outside = OcrBox {
            left: 200,
            ..inside
        };
        assert_eq!(clamp_region(outside, 100, 100), None, "outside");
    }
}
