//! The OCR engine seam: what the pool needs from an engine (tesseract now, PP-OCR later). An
//! engine is owned by one worker thread and reused for every image it reads; a factory makes
//! one per worker and language list.

use image::GrayImage;

use super::{LanguageSpec, OcrError};
use crate::domain::OcrBlock;

/// One warm engine for one language list, owned by one worker thread.
pub trait OcrEngine: Send {
    /// Reads `image` (8-bit gray, dark text on light) at `ppi` pixels per inch. Boxes are in
    /// `image`'s pixels. `name` is the file's name, for error messages.
    ///
    /// # Errors
    /// [`OcrError::Recognize`] when the engine fails; the pool then drops this engine and makes
    /// a new one for the next image.
    fn recognize(
        &mut self,
        name: &str,
        image: &GrayImage,
        ppi: u32,
    ) -> Result<Vec<OcrBlock>, OcrError>;
}

/// Makes engines. Shared by all workers.
pub trait OcrEngineFactory: Send + Sync {
    /// The engine's name as results record it (`tesseract`).
    fn engine_name(&self) -> &'static str;

    /// Starts an engine for `languages` (the expensive part: 60–150 ms for tesseract).
    ///
    /// # Errors
    /// [`OcrError::LanguageMissing`] or [`OcrError::EngineInit`].
    fn create(&self, languages: &LanguageSpec) -> Result<Box<dyn OcrEngine>, OcrError>;
}
