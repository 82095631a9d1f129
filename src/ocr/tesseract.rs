//! The tesseract engine (libtesseract through the `tesseract` crate). Images arrive as pixels
//! with a source resolution; leptonica never parses a file. Word boxes and confidences come
//! from the TSV renderer.
//!
//! The crate's builder methods consume the engine and an error drops it, so the engine is kept
//! in an `Option` and the pool makes a new one after a failure.

use image::GrayImage;
use tesseract::{PageSegMode, Tesseract};

use super::engine::{OcrEngine, OcrEngineFactory};
use super::languages::TessData;
use super::tsv::parse_tsv;
use super::{LanguageSpec, OcrError};
use crate::domain::OcrBlock;

/// The engine's name in results.
pub const TESSERACT: &str = "tesseract";

/// Makes tesseract engines from one tessdata directory.
#[derive(Clone, Debug)]
pub struct TesseractFactory {
    data: TessData,
}

impl TesseractFactory {
    /// Engines from the system's tessdata (see [`TessData::locate`]).
    #[must_use]
    pub fn new(data: TessData) -> Self {
        Self { data }
    }
}

impl OcrEngineFactory for TesseractFactory {
    fn engine_name(&self) -> &'static str {
        TESSERACT
    }

    fn create(&self, languages: &LanguageSpec) -> Result<Box<dyn OcrEngine>, OcrError> {
        languages.check_installed(&self.data)?;
        let init_error = |detail: String| OcrError::EngineInit {
            engine: TESSERACT,
            language: languages.to_string(),
            detail,
        };
        let datapath = self.data.dir().to_str().ok_or_else(|| {
            init_error(format!(
                "the data path {} is not UTF-8",
                self.data.dir().display()
            ))
        })?;
        let engine = Tesseract::new(Some(datapath), Some(languages.as_str()))
            .map_err(|err| init_error(err.to_string()))?;
        // Progress chatter ("Estimating resolution…", "Empty page!!") would land on the CLI's
        // stderr; the results carry everything we need.
        let mut engine = engine
            .set_variable("debug_file", "/dev/null")
            .map_err(|err| init_error(err.to_string()))?;
        // The library's default is one uniform block, which reads across columns; the CLI's
        // (and ours) is full page layout analysis.
        engine.set_page_seg_mode(PageSegMode::PsmAuto);
        Ok(Box::new(TesseractEngine {
            engine: Some(engine),
        }))
    }
}

/// One initialised libtesseract instance.
struct TesseractEngine {
    engine: Option<Tesseract>,
}

impl OcrEngine for TesseractEngine {
    fn recognize(
        &mut self,
        name: &str,
        image: &GrayImage,
        ppi: u32,
    ) -> Result<Vec<OcrBlock>, OcrError> {
        let failed = |detail: String| OcrError::Recognize {
            engine: TESSERACT,
            name: name.to_owned(),
            detail,
        };
        let engine = self
            .engine
            .take()
            .ok_or_else(|| failed("the engine was lost after an earlier error".to_owned()))?;
        let (width, height) = image.dimensions();
        let (Ok(width), Ok(height), Ok(ppi)) = (
            i32::try_from(width),
            i32::try_from(height),
            i32::try_from(ppi),
        ) else {
            return Err(failed("the image is too large".to_owned()));
        };
        let mut engine = engine
            .set_frame(image.as_raw(), width, height, 1, width)
            .map_err(|err| failed(err.to_string()))?
            .set_source_resolution(ppi)
            .recognize()
            .map_err(|err| failed(err.to_string()))?;
        let tsv = engine
            .get_tsv_text(0)
            .map_err(|err| failed(err.to_string()));
        self.engine = Some(engine);
        Ok(parse_tsv(&tsv?))
    }
}
