//! Decoding an image file into pixels with the `image` crate, under limits: the header is read
//! first and anything over [`MAX_PIXELS`] (or a small file declaring a huge image) is refused
//! before a byte of pixel data is decoded. EXIF orientation is applied, every page of a
//! multi-page TIFF is returned, GIF gives its first frame. Files never reach leptonica's own
//! readers: tesseract gets pixels.

use std::io::{Cursor, ErrorKind};

use image::{DynamicImage, ImageDecoder as _, ImageError, ImageFormat, ImageReader, Limits};

use super::OcrError;

/// The most pixels one image (or one TIFF page) may have: 100 megapixels.
pub const MAX_PIXELS: u64 = 100_000_000;
/// The most pixels all pages of one TIFF may have together.
const MAX_TOTAL_PIXELS: u64 = 4 * MAX_PIXELS;
/// The most pages read from one TIFF.
pub const MAX_PAGES: usize = 100;
/// The most memory a decoder may allocate for one image.
const MAX_ALLOC_BYTES: u64 = 1 << 30;
/// Declared decoded bytes per file byte above which an oversized image is called a bomb.
const BOMB_RATIO: u64 = 1_000;
/// Images smaller than this on either side cannot hold readable text.
pub const MIN_SIDE: u32 = 8;

/// The decoded pages of one image file, in the orientation the user sees.
#[derive(Debug)]
pub struct DecodedImage {
    /// The format its bytes are in.
    pub format: &'static str,
    /// One entry per page (one unless a multi-page TIFF).
    pub pages: Vec<DynamicImage>,
}

/// Decodes `bytes` (the contents of the file called `name`).
///
/// # Errors
/// A specific [`OcrError`] for every kind of bad input: empty, not an image, truncated,
/// corrupt, unsupported, too large, a decompression bomb, too small.
pub fn decode(name: &str, bytes: &[u8]) -> Result<DecodedImage, OcrError> {
    if bytes.is_empty() {
        return Err(OcrError::Empty {
            name: name.to_owned(),
        });
    }
    let Ok(format) = image::guess_format(bytes) else {
        return Err(OcrError::NotAnImage {
            name: name.to_owned(),
            looks_like: looks_like(bytes),
        });
    };
    let format_name = format_name(format);
    let fail = |err: ImageError| classify(name, format_name, err);

    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits());
    let (width, height) = reader.into_dimensions().map_err(fail)?;
    check_size(name, width, height, bytes.len())?;

    if format == ImageFormat::Tiff {
        let pages = super::tiff_pages::decode_pages(name, bytes, limits_tiff())?;
        return Ok(DecodedImage {
            format: format_name,
            pages,
        });
    }

    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits());
    let mut decoder = reader.into_decoder().map_err(fail)?;
    // A broken EXIF block is not worth refusing the image for: show it as stored.
    let orientation = decoder.orientation().ok();
    let mut image = DynamicImage::from_decoder(decoder).map_err(fail)?;
    if let Some(orientation) = orientation {
        image.apply_orientation(orientation);
    }
    Ok(DecodedImage {
        format: format_name,
        pages: vec![image],
    })
}

/// Refuses images over the pixel limit (as a bomb when the file is far too small for them)
/// and images too small to hold text.
pub(super) fn check_size(
    name: &str,
    width: u32,
    height: u32,
    file_bytes: usize,
) -> Result<(), OcrError> {
    let pixels = u64::from(width) * u64::from(height);
    if pixels > MAX_PIXELS {
        let file_bytes = file_bytes as u64;
        // Three bytes a pixel is what the smallest colour decode would need.
        if pixels.saturating_mul(3) / file_bytes.max(1) > BOMB_RATIO {
            return Err(OcrError::DecompressionBomb {
                name: name.to_owned(),
                width,
                height,
                file_bytes,
            });
        }
        return Err(OcrError::TooLarge {
            name: name.to_owned(),
            width,
            height,
            megapixels: pixels / 1_000_000,
            limit: MAX_PIXELS / 1_000_000,
        });
    }
    if width < MIN_SIDE || height < MIN_SIDE {
        return Err(OcrError::TooSmall {
            name: name.to_owned(),
            width,
            height,
        });
    }
    Ok(())
}

/// Checks the total of a multi-page image's pages.
pub(super) fn check_total(name: &str, total_pixels: u64) -> Result<(), OcrError> {
    if total_pixels > MAX_TOTAL_PIXELS {
        return Err(OcrError::TooLarge {
            name: name.to_owned(),
            width: 0,
            height: 0,
            megapixels: total_pixels / 1_000_000,
            limit: MAX_TOTAL_PIXELS / 1_000_000,
        });
    }
    Ok(())
}

fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_ALLOC_BYTES);
    limits
}

fn limits_tiff() -> tiff::decoder::Limits {
    let mut limits = tiff::decoder::Limits::default();
    limits.decoding_buffer_size = usize::try_from(MAX_ALLOC_BYTES).unwrap_or(usize::MAX);
    limits
}

/// Turns a decoder error into the error the user reads.
pub(super) fn classify(name: &str, format: &'static str, err: ImageError) -> OcrError {
    let name = name.to_owned();
    match err {
        ImageError::IoError(io) if io.kind() == ErrorKind::UnexpectedEof => {
            OcrError::Truncated { name, format }
        }
        ImageError::Limits(limit) => OcrError::Unsupported {
            name,
            format,
            detail: format!("it needs more memory than allowed: {limit}"),
        },
        ImageError::Unsupported(unsupported) => OcrError::Unsupported {
            name,
            format,
            detail: unsupported.to_string(),
        },
        other => {
            let detail = other.to_string();
            if mentions_early_end(&detail) {
                OcrError::Truncated { name, format }
            } else {
                OcrError::Corrupt {
                    name,
                    format,
                    detail,
                }
            }
        }
    }
}

/// Decoders say "the file ended early" in their own words.
pub(super) fn mentions_early_end(detail: &str) -> bool {
    let detail = detail.to_ascii_lowercase();
    [
        "eof",
        "end of",
        "truncat",
        "no more data",
        "unexpected end",
        "not enough data",
        "ended early",
    ]
    .iter()
    .any(|needle| detail.contains(needle))
}

fn format_name(format: ImageFormat) -> &'static str {
    match format {
        ImageFormat::Png => "PNG",
        ImageFormat::Jpeg => "JPEG",
        ImageFormat::Gif => "GIF",
        ImageFormat::WebP => "WebP",
        ImageFormat::Tiff => "TIFF",
        ImageFormat::Bmp => "BMP",
        _ => "image",
    }
}

/// What the bytes of a file that is no image look like, for the error message.
fn looks_like(bytes: &[u8]) -> &'static str {
    let head = &bytes[..bytes.len().min(64)];
    if head.starts_with(b"%PDF") {
        "a PDF document (export the page as PNG first)"
    } else if head.starts_with(b"PK\x03\x04") {
        "a ZIP archive or an Office document"
    } else if head.len() >= 12 && &head[4..8] == b"ftyp" {
        "a HEIC/AVIF photo or a video (export it as JPEG or PNG first)"
    } else if head.starts_with(b"<svg") || head.starts_with(b"<?xml") {
        "an SVG or XML document (render it to PNG first)"
    } else if std::str::from_utf8(&bytes[..bytes.len().min(4096)]).is_ok()
        || bytes.len() > 4096 && std::str::from_utf8(&bytes[..4093]).is_ok()
    {
        "text"
    } else {
        "unknown binary data"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let image = image::GrayImage::from_pixel(width, height, image::Luma([255]));
        let mut out = Cursor::new(Vec::new());
        image.write_to(&mut out, ImageFormat::Png).unwrap();
        out.into_inner()
    }

    #[test]
    fn decodes_a_png_and_refuses_empty_text_and_tiny_files() {
        let decoded = decode("ok.png", &png(40, 20)).unwrap();
        assert_eq!(decoded.format, "PNG", "format");
        assert_eq!(decoded.pages.len(), 1, "one page");
        assert!(
            matches!(decode("e.png", b""), Err(OcrError::Empty { .. })),
            "empty"
        );
        let err = decode("notes.png", b"just some notes\n").unwrap_err();
        assert!(
            err.to_string()
                .contains("notes.png is not an image: its contents look like text"),
            "{err}"
        );
        let err = decode("dot.png", &png(1, 1)).unwrap_err();
        assert!(
            matches!(
                err,
                OcrError::TooSmall {
                    width: 1,
                    height: 1,
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn truncated_png_is_named_truncated() {
        let bytes = png(300, 200);
        let err = decode("cut.png", &bytes[..bytes.len() / 2]).unwrap_err();
        assert!(
            matches!(err, OcrError::Truncated { format: "PNG", .. }),
            "{err}"
        );
    }

    #[test]
    fn oversized_images_are_too_large_or_bombs_by_file_size() {
        let err = check_size("big.tif", 12_000, 9_000, 200_000_000).unwrap_err();
        assert!(
            matches!(
                err,
                OcrError::TooLarge {
                    megapixels: 108,
                    ..
                }
            ),
            "{err}"
        );
        let err = check_size("bomb.png", 50_000, 50_000, 4_000).unwrap_err();
        assert!(matches!(err, OcrError::DecompressionBomb { .. }), "{err}");
        check_size("ok.png", 10_000, 10_000, 50_000).unwrap();
    }
}
