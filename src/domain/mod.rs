//! Types several modules share (the OCR pool, and later the store, the providers and the
//! window), so that none of them has to import another's internals to talk about the same
//! thing. Plain data with serde: no I/O, no behaviour beyond small accessors.

mod attachment;
mod ocr;

pub use attachment::ImageMode;
pub use ocr::{OcrBlock, OcrBox, OcrLine, OcrPage, OcrResult, OcrTiming, OcrWord};
