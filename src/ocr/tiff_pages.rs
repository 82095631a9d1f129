//! Every page of a (multi-page) TIFF, read with the `tiff` crate directly: the `image` crate
//! decodes only the first page. Each page is checked against the size limits before its pixels
//! are read.

use std::io::Cursor;

use image::{DynamicImage, GrayImage, ImageBuffer, RgbImage, RgbaImage};
use tiff::ColorType;
use tiff::decoder::{Decoder, DecodingResult, Limits};

use super::OcrError;
use super::decode::{MAX_PAGES, check_size, check_total, mentions_early_end};

const FORMAT: &str = "TIFF";

/// Decodes up to [`MAX_PAGES`] pages of the TIFF in `bytes`.
pub(super) fn decode_pages(
    name: &str,
    bytes: &[u8],
    limits: Limits,
) -> Result<Vec<DynamicImage>, OcrError> {
    let fail = |err: tiff::TiffError| classify(name, err);
    let mut decoder = Decoder::new(Cursor::new(bytes))
        .map_err(fail)?
        .with_limits(limits);
    let mut pages = Vec::new();
    let mut total_pixels = 0_u64;
    loop {
        let (width, height) = decoder.dimensions().map_err(fail)?;
        check_size(name, width, height, bytes.len())?;
        total_pixels += u64::from(width) * u64::from(height);
        check_total(name, total_pixels)?;
        let color = decoder.colortype().map_err(fail)?;
        let data = decoder.read_image().map_err(fail)?;
        pages.push(to_image(name, width, height, color, data)?);
        if pages.len() >= MAX_PAGES || !decoder.more_images() {
            break;
        }
        decoder.next_image().map_err(fail)?;
    }
    Ok(pages)
}

fn to_image(
    name: &str,
    width: u32,
    height: u32,
    color: ColorType,
    data: DecodingResult,
) -> Result<DynamicImage, OcrError> {
    let short = || OcrError::Truncated {
        name: name.to_owned(),
        format: FORMAT,
    };
    let image = match (color, data) {
        (ColorType::Gray(8), DecodingResult::U8(px)) => {
            DynamicImage::ImageLuma8(GrayImage::from_raw(width, height, px).ok_or_else(short)?)
        }
        (ColorType::Gray(16), DecodingResult::U16(px)) => {
            DynamicImage::ImageLuma16(ImageBuffer::from_raw(width, height, px).ok_or_else(short)?)
        }
        (ColorType::GrayA(8), DecodingResult::U8(px)) => {
            DynamicImage::ImageLumaA8(ImageBuffer::from_raw(width, height, px).ok_or_else(short)?)
        }
        (ColorType::RGB(8), DecodingResult::U8(px)) => {
            DynamicImage::ImageRgb8(RgbImage::from_raw(width, height, px).ok_or_else(short)?)
        }
        (ColorType::RGB(16), DecodingResult::U16(px)) => {
            DynamicImage::ImageRgb16(ImageBuffer::from_raw(width, height, px).ok_or_else(short)?)
        }
        (ColorType::RGBA(8), DecodingResult::U8(px)) => {
            DynamicImage::ImageRgba8(RgbaImage::from_raw(width, height, px).ok_or_else(short)?)
        }
        (ColorType::RGBA(16), DecodingResult::U16(px)) => {
            DynamicImage::ImageRgba16(ImageBuffer::from_raw(width, height, px).ok_or_else(short)?)
        }
        (ColorType::CMYK(8), DecodingResult::U8(px)) => {
            if px.len() < (width as usize) * (height as usize) * 4 {
                return Err(short());
            }
            let rgb = px
                .chunks_exact(4)
                .flat_map(|cmyk| {
                    let k = 255 - u16::from(cmyk[3]);
                    cmyk[..3]
                        .iter()
                        .map(move |&c| ((255 - u16::from(c)) * k / 255) as u8)
                })
                .collect();
            DynamicImage::ImageRgb8(RgbImage::from_raw(width, height, rgb).ok_or_else(short)?)
        }
        (color, _) => {
            return Err(OcrError::Unsupported {
                name: name.to_owned(),
                format: FORMAT,
                detail: format!("colour type {color:?}"),
            });
        }
    };
    Ok(image)
}

fn classify(name: &str, err: tiff::TiffError) -> OcrError {
    let name = name.to_owned();
    match err {
        tiff::TiffError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            OcrError::Truncated {
                name,
                format: FORMAT,
            }
        }
        tiff::TiffError::UnsupportedError(unsupported) => OcrError::Unsupported {
            name,
            format: FORMAT,
            detail: unsupported.to_string(),
        },
        other => {
            let detail = other.to_string();
            if mentions_early_end(&detail) {
                OcrError::Truncated {
                    name,
                    format: FORMAT,
                }
            } else {
                OcrError::Corrupt {
                    name,
                    format: FORMAT,
                    detail,
                }
            }
        }
    }
}
