//! The PP-OCRv6 engine (issue 14): PaddleOCR's small detection + recognition models run by
//! `pure-onnx-ocr` on tract, in pure Rust, from files installed by `scripts/install-models.sh`.
//!
//! One model instance is shared by every worker (it is `Send + Sync`; its plans are cached
//! behind a mutex held only for look-ups), so memory does not grow with the worker count.
//! tract compiles a plan per input shape, so shapes are normalised: each image is padded with
//! white to a canvas from a small set of sizes ([`detection_canvas`]), recognition crops are
//! 48 px high with widths aligned to 32 px by the crate, and both plan caches are capped.
//! The first engine warms the common plans up on the worker thread that creates it.

mod layout;
mod models;

use std::sync::{Arc, Mutex, PoisonError};

use image::{DynamicImage, GrayImage, Luma};
use pure_onnx_ocr::OcrEngineBuilder;

pub use layout::{TextBox, reading_order};
pub use models::{DET_MODEL, INSTALL_COMMAND, MODELS_ENV, PpocrModels, REC_MODEL};

use super::engine::{OcrEngine, OcrEngineFactory};
use super::{LanguageSpec, OcrError};
use crate::domain::{OcrBlock, OcrBox};

/// The engine's name in results.
pub const PPOCR: &str = "ppocr";

/// Detection plans kept compiled (one per canvas size in use).
const DET_PLANS: usize = 4;
/// Recognition plans kept compiled (one per crop width in use).
const REC_PLANS: usize = 8;
/// The longest side detection runs at (the crate scales larger images down to it).
const DET_LONG_SIDE: u32 = 960;
/// Canvas long sides for images smaller than [`DET_LONG_SIDE`].
const CANVAS_STEPS: [u32; 3] = [320, 640, DET_LONG_SIDE];
/// The short side is rounded up to this many parts of the long side.
const ASPECT_PARTS: u32 = 6;

/// Makes PP-OCR engines that share one loaded model.
pub struct PpocrFactory {
    models: PpocrModels,
    loaded: Mutex<Option<Arc<pure_onnx_ocr::OcrEngine>>>,
}

impl PpocrFactory {
    /// Engines from the models in `models` (loaded on the first [`OcrEngineFactory::create`]).
    #[must_use]
    pub fn new(models: PpocrModels) -> Self {
        Self {
            models,
            loaded: Mutex::new(None),
        }
    }

    fn load(&self, languages: &LanguageSpec) -> Result<Arc<pure_onnx_ocr::OcrEngine>, OcrError> {
        let init_error = |detail: String| OcrError::EngineInit {
            engine: PPOCR,
            language: languages.to_string(),
            detail,
        };
        // Held while loading, so two workers starting at once load the model once.
        let mut loaded = self.loaded.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(engine) = loaded.as_ref() {
            return Ok(Arc::clone(engine));
        }
        if let Some(reason) = self.models.missing_reason() {
            return Err(init_error(reason));
        }
        let rec_path = self.models.rec_path();
        let rec_model = std::fs::read(&rec_path)
            .map_err(|err| init_error(format!("cannot read {}: {err}", rec_path.display())))?;
        let dictionary = models::dictionary_from_metadata(&rec_model)
            .map_err(|detail| init_error(format!("{detail} ({})", rec_path.display())))?;
        let engine = OcrEngineBuilder::new()
            .det_model_path(self.models.det_path())
            .rec_model_bytes(rec_model)
            .dictionary_text(dictionary)
            .rec_use_space_char(true)
            .det_limit_side_len(DET_LONG_SIDE)
            .plan_cache_capacity(DET_PLANS, REC_PLANS)
            .build()
            .map_err(|err| init_error(err.to_string()))?;
        // The plans most images need: a landscape screenshot's canvas and one text line.
        engine
            .warmup(DET_LONG_SIDE, DET_LONG_SIDE * 3 / ASPECT_PARTS)
            .map_err(|err| init_error(format!("warm-up failed: {err}")))?;
        let engine = Arc::new(engine);
        *loaded = Some(Arc::clone(&engine));
        Ok(engine)
    }
}

impl OcrEngineFactory for PpocrFactory {
    fn engine_name(&self) -> &'static str {
        PPOCR
    }

    fn create(&self, languages: &LanguageSpec) -> Result<Box<dyn OcrEngine>, OcrError> {
        Ok(Box::new(PpocrEngine {
            engine: self.load(languages)?,
        }))
    }
}

/// A worker's handle on the shared model.
struct PpocrEngine {
    engine: Arc<pure_onnx_ocr::OcrEngine>,
}

impl OcrEngine for PpocrEngine {
    fn recognize(
        &mut self,
        name: &str,
        image: &GrayImage,
        _ppi: u32,
    ) -> Result<Vec<OcrBlock>, OcrError> {
        let (width, height) = image.dimensions();
        if width == 0 || height == 0 {
            return Ok(Vec::new());
        }
        let (canvas_width, canvas_height) = detection_canvas(width, height);
        let mut canvas = GrayImage::from_pixel(canvas_width, canvas_height, Luma([255]));
        image::imageops::replace(&mut canvas, image, 0, 0);
        let found = self
            .engine
            .run_from_image(&DynamicImage::ImageLuma8(canvas))
            .map_err(|err| OcrError::Recognize {
                engine: PPOCR,
                name: name.to_owned(),
                detail: err.to_string(),
            })?;
        let boxes = found
            .into_iter()
            .filter_map(|found| {
                let bbox = bounding_box(&found.bounding_box, width, height)?;
                Some(TextBox {
                    text: found.text,
                    bbox,
                    confidence: (found.confidence * 100.0).clamp(0.0, 100.0),
                })
            })
            .collect();
        Ok(reading_order(boxes))
    }
}

/// The canvas an image of `width`×`height` is padded to before detection: the long side
/// rounded up to 320, 640 or 960 (or kept when larger, since the crate scales it to 960),
/// the short side rounded up to a sixth of the long side. So detection sees at most
/// 3 × 6 × 2 + 12 distinct shapes, and the common ones repeat.
#[must_use]
pub fn detection_canvas(width: u32, height: u32) -> (u32, u32) {
    let long = width.max(height);
    let canvas_long = CANVAS_STEPS
        .iter()
        .copied()
        .find(|&step| step >= long)
        .unwrap_or(long);
    let part = canvas_long.div_ceil(ASPECT_PARTS);
    let short = width.min(height).div_ceil(part) * part;
    let short = short.clamp(1, canvas_long);
    if width >= height {
        (canvas_long, short)
    } else {
        (short, canvas_long)
    }
}

/// The axis-aligned box around a detected polygon, clipped to the image (the canvas padding
/// is right and below it).
fn bounding_box(polygon: &pure_onnx_ocr::Polygon<f64>, width: u32, height: u32) -> Option<OcrBox> {
    let points = polygon.exterior().points();
    let (mut min_x, mut min_y, mut max_x, mut max_y) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for point in points {
        min_x = min_x.min(point.x());
        min_y = min_y.min(point.y());
        max_x = max_x.max(point.x());
        max_y = max_y.max(point.y());
    }
    let clip = |value: f64, limit: u32| value.clamp(0.0, f64::from(limit)).round() as u32;
    let (left, top) = (clip(min_x, width), clip(min_y, height));
    let (right, bottom) = (clip(max_x, width), clip(max_y, height));
    (right > left && bottom > top).then(|| OcrBox {
        left,
        top,
        width: right - left,
        height: bottom - top,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canvases_come_from_a_small_set_and_hold_the_image() {
        let mut shapes = std::collections::BTreeSet::new();
        for width in (10..=960).step_by(7) {
            for height in (10..=960).step_by(11) {
                let (cw, ch) = detection_canvas(width, height);
                assert!(
                    cw >= width && ch >= height,
                    "{width}x{height} fits {cw}x{ch}"
                );
                shapes.insert((cw, ch));
            }
        }
        assert!(
            shapes.len() <= 3 * 6 * 2,
            "{} shapes: {shapes:?}",
            shapes.len()
        );
        assert_eq!(detection_canvas(1920, 1080), (1920, 1280), "a screenshot");
        assert_eq!(detection_canvas(300, 40), (320, 54), "a strip");
    }

    #[test]
    fn boxes_are_clipped_to_the_image_not_the_canvas() {
        let polygon = pure_onnx_ocr::Polygon::new(
            vec![(-3.0, 5.0), (130.0, 5.0), (130.0, 30.0), (-3.0, 30.0)].into(),
            vec![],
        );
        assert_eq!(
            bounding_box(&polygon, 100, 50),
            Some(OcrBox {
                left: 0,
                top: 5,
                width: 100,
                height: 25
            }),
            "clipped"
        );
        let outside = pure_onnx_ocr::Polygon::new(
            vec![(120.0, 5.0), (130.0, 5.0), (130.0, 30.0), (120.0, 30.0)].into(),
            vec![],
        );
        assert_eq!(bounding_box(&outside, 100, 50), None, "all in the padding");
    }
}
