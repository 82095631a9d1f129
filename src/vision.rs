//! Images for vision models: each API style's documented size limits, and an attached image
//! downscaled and re-encoded to fit them. Decoding, resizing and encoding take tens of
//! milliseconds, so [`prepare`] runs on a blocking thread, never on the UI thread or the
//! engine task. Re-encoding also drops EXIF and every other metadata block (a photo's
//! location never leaves the machine) and applies the EXIF orientation the user saw.
//!
//! Format: PNG for screenshots and scans (sharp text, small files for flat colours), JPEG for
//! photos and whenever the PNG would be over the provider's byte limit.

use std::io::Cursor;

use base64::Engine as _;
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, ImageEncoder as _};

use crate::llm::{ApiStyle, ImagePart, ProviderConfig};
use crate::ocr::OcrError;

/// JPEG quality for photos (a good size/quality balance for models).
const JPEG_QUALITY: u8 = 85;
/// How often a too-large image is shrunk further (by [`SHRINK`] each time) before giving up.
const MAX_SHRINKS: usize = 6;
/// The factor each further shrink applies to both sides.
const SHRINK: f64 = 0.75;

/// The size bounds an image sent to one API style must keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ImageLimits {
    /// The longest side, in pixels.
    pub max_long_side: u32,
    /// The shortest side, in pixels.
    pub max_short_side: u32,
    /// Width × height.
    pub max_pixels: u64,
    /// The encoded file's size, in bytes (before base64).
    pub max_encoded_bytes: usize,
}

impl ImageLimits {
    /// The limits of a style, or `None` when it cannot carry images (plain REST, WebSocket).
    pub fn for_style(style: ApiStyle) -> Option<Self> {
        match style {
            // OpenAI "high" detail: the image is fit within 2048×2048, then its short side is
            // scaled to 768 px; anything larger is downscaled by the server anyway and only
            // costs upload. Files up to 20 MB are accepted.
            // <https://platform.openai.com/docs/guides/images-vision#calculating-costs>
            ApiStyle::OpenAiCompatible => Some(Self {
                max_long_side: 2048,
                max_short_side: 768,
                max_pixels: u64::MAX,
                max_encoded_bytes: 20 * 1024 * 1024,
            }),
            // Anthropic: a long edge over 1568 px or more than ~1.15 megapixels is downscaled
            // by the server (slower first token), and an image may be at most 5 MB. The 5 MB
            // is checked on the base64 text, so the file keeps under 3.75 MiB.
            // <https://docs.anthropic.com/en/docs/build-with-claude/vision#evaluate-image-size>
            ApiStyle::Anthropic => Some(Self {
                max_long_side: 1568,
                max_short_side: u32::MAX,
                max_pixels: 1_150_000,
                max_encoded_bytes: 3 * 1024 * 1024 + 768 * 1024,
            }),
            // Ollama documents no limit: each model's projector resizes on its own (LLaVA 1.6
            // tiles up to 672×672 px in grids up to 1344 px long; Llama 3.2 Vision up to
            // 1120×1120; Qwen2.5-VL bounds its pixel count). 1344 px on the long side keeps
            // screenshot text readable for all of them while bounding what a local server
            // decodes and holds per image.
            ApiStyle::Ollama => Some(Self {
                max_long_side: 1344,
                max_short_side: u32::MAX,
                max_pixels: u64::MAX,
                max_encoded_bytes: 8 * 1024 * 1024,
            }),
            ApiStyle::Rest | ApiStyle::WebSocket => None,
        }
    }

    /// The size an image of `width`×`height` is sent at: the same when it fits, else scaled
    /// down (aspect kept, never up) until every bound holds.
    pub fn fit(self, width: u32, height: u32) -> (u32, u32) {
        let (w, h) = (f64::from(width.max(1)), f64::from(height.max(1)));
        let scale = 1.0_f64
            .min(f64::from(self.max_long_side) / w.max(h))
            .min(f64::from(self.max_short_side) / w.min(h))
            .min((self.max_pixels as f64 / (w * h)).sqrt());
        // A hair of slack so 1000 × 0.768 is 768, not 767.
        let side = |v: f64| ((v * scale + 1e-6).floor() as u32).max(1);
        (side(w), side(h))
    }
}

/// Whether a provider's model gets images: its profile says it sees them and its API style
/// can carry them.
pub fn sees_images(provider: &ProviderConfig) -> bool {
    provider.api.carries_images() && provider.model_profile(&provider.model).vision
}

/// Why an image could not be prepared for a vision model.
#[derive(Debug, thiserror::Error)]
pub enum VisionError {
    /// The bytes do not decode (the message names the file and the cause).
    #[error(transparent)]
    Decode(#[from] OcrError),
    /// Encoding failed.
    #[error("{name} could not be encoded for the model: {detail}. Send it as OCR text instead.")]
    Encode {
        /// The file's name.
        name: String,
        /// The encoder's message.
        detail: String,
    },
    /// Even shrunk several times it stays over the provider's byte limit.
    #[error(
        "{name} stays over the provider's size limit for images even when shrunk. Send it as \
         OCR text instead."
    )]
    TooLarge {
        /// The file's name.
        name: String,
    },
}

/// Decodes `bytes` (the file `name`), scales the image (the first page of a TIFF) into
/// `limits` and encodes it as PNG (a screenshot) or JPEG (a photo, or a PNG over the limit).
///
/// # Errors
/// The image does not decode, or cannot be brought under the byte limit.
pub fn prepare(name: &str, bytes: &[u8], limits: ImageLimits) -> Result<ImagePart, VisionError> {
    let decoded = crate::ocr::decode::decode(name, bytes)?;
    let source_is_jpeg = decoded.format == "JPEG";
    let Some(image) = decoded.pages.into_iter().next() else {
        return Err(VisionError::TooLarge {
            name: name.to_owned(),
        });
    };
    let photo = source_is_jpeg || crate::ocr::looks_like_photo(&image);
    let (width, height) = limits.fit(image.width(), image.height());
    let mut image = if (width, height) == (image.width(), image.height()) {
        image
    } else {
        image.resize_exact(width, height, FilterType::Lanczos3)
    };
    let encode_err = |err: image::ImageError| VisionError::Encode {
        name: name.to_owned(),
        detail: err.to_string(),
    };
    for _ in 0..=MAX_SHRINKS {
        let mut encoded = if photo {
            (jpeg(&image).map_err(encode_err)?, "image/jpeg")
        } else {
            (png(&image).map_err(encode_err)?, "image/png")
        };
        if encoded.0.len() > limits.max_encoded_bytes && !photo {
            encoded = (jpeg(&image).map_err(encode_err)?, "image/jpeg");
        }
        if encoded.0.len() <= limits.max_encoded_bytes {
            let (bytes, media_type) = encoded;
            return Ok(ImagePart {
                media_type,
                base64: base64::engine::general_purpose::STANDARD
                    .encode(bytes)
                    .into(),
                width: image.width(),
                height: image.height(),
            });
        }
        let side = |v: u32| ((f64::from(v) * SHRINK) as u32).max(1);
        image = image.resize_exact(
            side(image.width()),
            side(image.height()),
            FilterType::Triangle,
        );
    }
    Err(VisionError::TooLarge {
        name: name.to_owned(),
    })
}

fn png(image: &DynamicImage) -> Result<Vec<u8>, image::ImageError> {
    // PNG keeps alpha and 8-bit gray as they are; 16-bit and float images go to 8-bit RGBA.
    let image = match image {
        DynamicImage::ImageLuma8(_) | DynamicImage::ImageRgb8(_) | DynamicImage::ImageRgba8(_) => {
            std::borrow::Cow::Borrowed(image)
        }
        other => std::borrow::Cow::Owned(DynamicImage::ImageRgba8(other.to_rgba8())),
    };
    let mut out = Vec::new();
    PngEncoder::new(Cursor::new(&mut out)).write_image(
        image.as_bytes(),
        image.width(),
        image.height(),
        image.color().into(),
    )?;
    Ok(out)
}

fn jpeg(image: &DynamicImage) -> Result<Vec<u8>, image::ImageError> {
    // JPEG has no alpha: transparent pixels go over white, as a viewer shows them.
    let rgba = image.to_rgba8();
    let mut rgb = image::RgbImage::new(rgba.width(), rgba.height());
    for (out, pixel) in rgb.pixels_mut().zip(rgba.pixels()) {
        let alpha = u16::from(pixel.0[3]);
        let over_white =
            |channel: u8| ((u16::from(channel) * alpha + 255 * (255 - alpha) + 127) / 255) as u8;
        *out = image::Rgb([
            over_white(pixel.0[0]),
            over_white(pixel.0[1]),
            over_white(pixel.0[2]),
        ]);
    }
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(Cursor::new(&mut out), JPEG_QUALITY).write_image(
        rgb.as_raw(),
        rgb.width(),
        rgb.height(),
        image::ExtendedColorType::Rgb8,
    )?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(image: &DynamicImage) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        image.write_to(&mut out, image::ImageFormat::Png).unwrap();
        out.into_inner()
    }

    fn decoded(part: &ImagePart) -> DynamicImage {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(part.base64.as_bytes())
            .unwrap();
        image::load_from_memory(&bytes).unwrap()
    }

    #[test]
    fn each_style_fits_its_documented_bounds() {
        let limits = |style| ImageLimits::for_style(style).unwrap();
        let openai = limits(ApiStyle::OpenAiCompatible);
        assert_eq!(openai.fit(4000, 3000), (1024, 768));
        assert_eq!(openai.fit(1000, 1000), (768, 768));
        assert_eq!(openai.fit(10_000, 10), (2048, 2));
        assert_eq!(openai.fit(700, 500), (700, 500), "never scaled up");
        let anthropic = limits(ApiStyle::Anthropic);
        let (w, h) = anthropic.fit(4000, 3000);
        assert!(
            w <= 1568 && u64::from(w) * u64::from(h) <= 1_150_000,
            "{w}×{h}"
        );
        assert!(w >= 1230, "not smaller than needed: {w}×{h}");
        assert_eq!(anthropic.fit(3136, 200), (1568, 100));
        assert_eq!(limits(ApiStyle::Ollama).fit(4000, 3000), (1344, 1008));
        assert_eq!(ImageLimits::for_style(ApiStyle::Rest), None);
        assert_eq!(ImageLimits::for_style(ApiStyle::WebSocket), None);
    }

    #[test]
    fn a_screenshot_goes_as_png_and_a_photo_as_jpeg_within_the_limits() {
        // A screenshot: a flat background with a dark bar.
        let mut shot = image::RgbaImage::from_pixel(3000, 1000, image::Rgba([250, 250, 250, 255]));
        for x in 100..2900 {
            for y in 400..440 {
                shot.put_pixel(x, y, image::Rgba([20, 20, 20, 255]));
            }
        }
        let limits = ImageLimits::for_style(ApiStyle::Anthropic).unwrap();
        let part = prepare(
            "shot.png",
            &encoded(&DynamicImage::ImageRgba8(shot)),
            limits,
        )
        .unwrap();
        assert_eq!(part.media_type, "image/png");
        let image = decoded(&part);
        assert_eq!((image.width(), image.height()), (part.width, part.height));
        assert_eq!((part.width, part.height), (1568, 522));

        // A "photo": noise, no flat background.
        let mut seed = 7_u32;
        let photo = image::RgbImage::from_fn(900, 600, |_, _| {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let [a, b, c, _] = seed.to_le_bytes();
            image::Rgb([a, b, c])
        });
        let bytes = encoded(&DynamicImage::ImageRgb8(photo));
        let limits = ImageLimits::for_style(ApiStyle::OpenAiCompatible).unwrap();
        let part = prepare("photo.png", &bytes, limits).unwrap();
        assert_eq!(part.media_type, "image/jpeg");
        assert_eq!(
            (part.width, part.height),
            (900, 600),
            "within the limits already"
        );
        decoded(&part);

        // Over a byte limit nothing can meet: refused, never sent oversized.
        let tiny = ImageLimits {
            max_encoded_bytes: 64,
            ..limits
        };
        assert!(matches!(
            prepare("photo.png", &bytes, tiny),
            Err(VisionError::TooLarge { .. })
        ));
        // Not an image: the OCR decoder's message naming the file.
        let err = prepare("notes.png", b"not a picture", limits).unwrap_err();
        assert!(err.to_string().contains("notes.png"), "{err}");
    }
}
