//! PP-OCR in a build without the `ppocr` cargo feature (the default): the engine's name and a
//! model folder that is never ready, whose reason says how to build the engine in. Automatic
//! therefore always resolves to tesseract, and `--engine ppocr` is refused with that reason.

/// The engine name PP-OCR results carry (the same as with the feature).
pub const PPOCR: &str = "ppocr";

/// Why PP-OCR cannot run in this build, with the next step.
pub const NOT_BUILT: &str = "PP-OCR is not in this build: it needs the cargo feature `ppocr` \
     (`cargo build --release --features ppocr`, then `bash scripts/install-models.sh`)";

/// Stands where the PP-OCRv6 model folder is in a `ppocr` build; never present here.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PpocrModels;

impl PpocrModels {
    /// The (absent) models.
    #[must_use]
    pub fn locate() -> Self {
        Self
    }

    /// Always `false`: this build cannot run PP-OCR.
    #[must_use]
    pub fn present(&self) -> bool {
        false
    }

    /// Always [`NOT_BUILT`].
    #[must_use]
    pub fn missing_reason(&self) -> Option<String> {
        Some(NOT_BUILT.to_owned())
    }
}
