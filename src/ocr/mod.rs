//! OCR: reading the text in images, off the UI thread and off the engine task.
//!
//! One seam ([`OcrEngine`] / [`OcrEngineFactory`]; tesseract and PP-OCR ([`ppocr`], only with
//! the off-by-default cargo feature `ppocr`), picked per image by [`EngineChoice`]) behind a
//! worker pool ([`OcrPool`]) whose workers keep engines warm. A job goes: read the file →
//! [`decode`] (the `image` crate, with size limits and EXIF orientation) → [`preprocess`]
//! (grayscale, invert dark pages, scale up small text, cut bands at blank rows) → the engine on
//! each band, bands shared between idle workers → one [`crate::domain::OcrResult`] with boxes in
//! the original image's pixels.
//!
//! Debian's libtesseract runs OpenMP threads of its own unless `OMP_THREAD_LIMIT=1` is in the
//! environment when the process starts (12× slower without it); see [`thread_limit`].

mod choice;
pub mod decode;
mod engine;
mod error;
mod languages;
mod pool;
#[cfg(feature = "ppocr")]
pub mod ppocr;
#[cfg(not(feature = "ppocr"))]
#[path = "ppocr_off.rs"]
pub mod ppocr;
pub mod preprocess;
mod queue;
mod tesseract;
pub mod thread_limit;
mod tiff_pages;
pub mod tsv;
mod worker;

pub use choice::{EngineChoice, EnginePools, looks_like_photo, resolve as resolve_engine};
pub use engine::{OcrEngine, OcrEngineFactory};
pub use error::OcrError;
pub use languages::{LanguageSpec, TessData, debian_package};
pub use pool::{
    MAX_WORKERS, OcrJobCanceller, OcrJobHandle, OcrPool, OcrPoolConfig, OcrProgress, OcrRequest,
    OcrSource, OcrStage, ProgressFn,
};
pub use queue::CancelToken;
pub use tesseract::{TESSERACT, TesseractFactory};

/// A pool of tesseract workers with the default configuration and the system's tessdata.
///
/// # Errors
/// When the operating system cannot start the worker threads.
pub fn tesseract_pool(config: OcrPoolConfig) -> std::io::Result<OcrPool> {
    OcrPool::start(
        std::sync::Arc::new(TesseractFactory::new(TessData::locate())),
        config,
    )
}
