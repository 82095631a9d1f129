//! Which engine reads an image (issue 14): Automatic picks PP-OCR when the languages include
//! Chinese (or Japanese/Korean) or the image looks like a photo, and tesseract for other
//! screenshots and scans; without the PP-OCR models it falls back to tesseract. One pool per
//! engine, started when first needed, so a tesseract-only run never loads the ONNX models.
//! Without the `ppocr` cargo feature the models are never present, so Automatic is tesseract
//! and PP-OCR asked for explicitly is refused with the command that builds it in.

use std::path::Path;

use image::{DynamicImage, GrayImage, imageops::FilterType};

use super::ppocr::{PPOCR, PpocrModels};
use super::{
    LanguageSpec, OcrError, OcrJobHandle, OcrPool, OcrPoolConfig, OcrRequest, OcrSource, TESSERACT,
    decode, tesseract_pool,
};

/// The engine a user asks for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum EngineChoice {
    /// PP-OCR for Chinese and photos, tesseract for other screenshots and scans.
    #[default]
    Auto,
    /// Tesseract (libtesseract).
    Tesseract,
    /// PP-OCRv6 (needs the models `scripts/install-models.sh` installs).
    Ppocr,
}

/// Below this share of pixels near the most common gray level an image counts as a photo
/// (screenshots and scans are mostly one flat background).
const PHOTO_BACKGROUND_SHARE: f64 = 0.5;

/// Whether `image` looks like a photo rather than a screenshot or scan: no dominant flat
/// background. Measured on a copy at most 256 px on its long side.
#[must_use]
pub fn looks_like_photo(image: &DynamicImage) -> bool {
    let small: GrayImage = image.resize(256, 256, FilterType::Triangle).to_luma8();
    let mut histogram = [0_u64; 256];
    for pixel in small.pixels() {
        histogram[usize::from(pixel.0[0])] += 1;
    }
    let total: u64 = histogram.iter().sum();
    if total == 0 {
        return false;
    }
    let (peak, _) = histogram
        .iter()
        .enumerate()
        .max_by_key(|&(_, count)| *count)
        .unwrap_or((0, &0));
    let near: u64 = histogram[peak.saturating_sub(4)..=(peak + 4).min(255)]
        .iter()
        .sum();
    (near as f64 / total as f64) < PHOTO_BACKGROUND_SHARE
}

/// The engine that reads an image: `choice`, with Automatic resolved from the languages and
/// (only when they decide nothing) whether the image looks like a photo.
///
/// # Errors
/// The reason PP-OCR is unavailable (with the command that installs it) when it was asked for
/// explicitly and its models are missing.
pub fn resolve(
    choice: EngineChoice,
    languages: &LanguageSpec,
    models: &PpocrModels,
    photo: impl FnOnce() -> bool,
) -> Result<&'static str, String> {
    match choice {
        EngineChoice::Ppocr => models.missing_reason().map_or(Ok(PPOCR), Err),
        EngineChoice::Auto if models.present() && (languages.has_cjk() || photo()) => Ok(PPOCR),
        EngineChoice::Tesseract | EngineChoice::Auto => Ok(TESSERACT),
    }
}

/// A pool per engine, each started on first use.
pub struct EnginePools {
    config: OcrPoolConfig,
    models: PpocrModels,
    tesseract: Option<OcrPool>,
    ppocr: Option<OcrPool>,
}

impl EnginePools {
    /// No pools yet; PP-OCR models from `models`.
    #[must_use]
    pub fn new(config: OcrPoolConfig, models: PpocrModels) -> Self {
        Self {
            config,
            models,
            tesseract: None,
            ppocr: None,
        }
    }

    /// Reads `file` with the engine `choice` resolves to.
    ///
    /// # Errors
    /// PP-OCR asked for without its models, a file Automatic could not look at, workers that
    /// could not start, or the pool's own submit errors.
    pub fn submit(
        &mut self,
        file: &Path,
        languages: &LanguageSpec,
        choice: EngineChoice,
    ) -> Result<OcrJobHandle, OcrError> {
        let name = file.display().to_string();
        let mut unreadable = None;
        let engine = resolve(choice, languages, &self.models, || {
            match std::fs::read(file)
                .map_err(|err| OcrError::Recognize {
                    engine: "auto",
                    name: name.clone(),
                    detail: format!("cannot read the file: {err}"),
                })
                .and_then(|bytes| decode::decode(&name, &bytes))
            {
                Ok(decoded) => decoded.pages.first().is_some_and(looks_like_photo),
                Err(err) => {
                    unreadable = Some(err);
                    false
                }
            }
        })
        .map_err(|detail| OcrError::EngineInit {
            engine: PPOCR,
            language: languages.to_string(),
            detail,
        })?;
        if let Some(err) = unreadable {
            return Err(err);
        }
        let pool = self.pool(engine, languages)?;
        pool.submit(
            OcrRequest {
                source: OcrSource::File(file.to_path_buf()),
                languages: languages.clone(),
            },
            None,
        )
    }

    /// Workers per pool (the width of a window of jobs in flight).
    #[must_use]
    pub fn workers(&self) -> usize {
        self.config.workers.max(1)
    }

    fn pool(&mut self, engine: &str, languages: &LanguageSpec) -> Result<&OcrPool, OcrError> {
        let start_error = |err: std::io::Error| OcrError::EngineInit {
            engine: if engine == PPOCR { PPOCR } else { TESSERACT },
            language: languages.to_string(),
            detail: format!("could not start the OCR workers: {err}"),
        };
        let slot = if engine == PPOCR {
            &mut self.ppocr
        } else {
            &mut self.tesseract
        };
        if slot.is_none() {
            let pool = if engine == PPOCR {
                start_ppocr(&self.models, self.config)
            } else {
                tesseract_pool(self.config)
            }
            .map_err(start_error)?;
            *slot = Some(pool);
        }
        slot.as_ref()
            .ok_or_else(|| start_error(std::io::Error::other("no pool")))
    }
}

#[cfg(feature = "ppocr")]
fn start_ppocr(models: &PpocrModels, config: OcrPoolConfig) -> std::io::Result<OcrPool> {
    let factory = std::sync::Arc::new(super::ppocr::PpocrFactory::new(models.clone()));
    OcrPool::start(factory, config)
}

/// Never reached: without the feature `resolve` never picks PP-OCR.
#[cfg(not(feature = "ppocr"))]
fn start_ppocr(models: &PpocrModels, _config: OcrPoolConfig) -> std::io::Result<OcrPool> {
    Err(std::io::Error::other(
        models.missing_reason().unwrap_or_default(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Rgb, RgbImage};

    #[cfg(feature = "ppocr")]
    #[test]
    fn automatic_picks_ppocr_for_chinese_and_photos_and_falls_back_without_models() {
        let dir = tempfile::tempdir().unwrap();
        let none = PpocrModels::at(dir.path().to_path_buf());
        let have = PpocrModels::at(dir.path().to_path_buf());
        std::fs::write(have.det_path(), b"x").unwrap();
        std::fs::write(have.rec_path(), b"x").unwrap();
        let eng = LanguageSpec::parse("eng").unwrap();
        let chi = LanguageSpec::parse("chi_sim+eng").unwrap();
        let auto = EngineChoice::Auto;
        assert_eq!(resolve(auto, &chi, &have, || false), Ok(PPOCR), "Chinese");
        assert_eq!(resolve(auto, &eng, &have, || true), Ok(PPOCR), "photo");
        assert_eq!(
            resolve(auto, &eng, &have, || false),
            Ok(TESSERACT),
            "English scan"
        );
        std::fs::remove_file(none.det_path()).unwrap();
        assert_eq!(
            resolve(auto, &chi, &none, || true),
            Ok(TESSERACT),
            "no models"
        );
        let err = resolve(EngineChoice::Ppocr, &chi, &none, || true).unwrap_err();
        assert!(err.contains("install-models.sh"), "{err}");
        assert_eq!(
            resolve(EngineChoice::Tesseract, &chi, &have, || true),
            Ok(TESSERACT),
            "asked for"
        );
    }

    #[cfg(not(feature = "ppocr"))]
    #[test]
    fn without_the_feature_automatic_is_tesseract_and_ppocr_names_the_feature() {
        let models = PpocrModels::locate();
        let chi = LanguageSpec::parse("chi_sim+eng").unwrap();
        let auto = EngineChoice::Auto;
        assert_eq!(resolve(auto, &chi, &models, || true), Ok(TESSERACT), "auto");
        let err = resolve(EngineChoice::Ppocr, &chi, &models, || true).unwrap_err();
        assert!(err.contains("--features ppocr"), "{err}");
    }

    #[test]
    fn a_flat_background_is_not_a_photo_and_a_noisy_gradient_is() {
        let mut page = RgbImage::from_pixel(400, 300, Rgb([250, 250, 250]));
        for x in 40..360 {
            for y in (40..260).step_by(20) {
                page.put_pixel(x, y, Rgb([20, 20, 20]));
            }
        }
        assert!(!looks_like_photo(&DynamicImage::ImageRgb8(page)), "a page");
        let photo = RgbImage::from_fn(400, 300, |x, y| {
            let noise = (x * 7919 + y * 104_729) % 61;
            let channel = |base: u32| (base + noise).min(255) as u8;
            Rgb([channel(x / 2), channel(y / 2), channel(90)])
        });
        assert!(looks_like_photo(&DynamicImage::ImageRgb8(photo)), "a photo");
    }
}
