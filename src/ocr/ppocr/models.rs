//! Where the PP-OCRv6 model files are and how to read them. `scripts/install-models.sh` puts
//! them in `$XDG_DATA_HOME/ocrchat/models/ppocr-v6/` from the `rapidocr` wheel on `PyPI`;
//! nothing is ever downloaded at run time. `OCRCHAT_PPOCR_MODELS` points at a folder copied by hand.
//!
//! The recognition dictionary is not a separate file: it is in the rec model's ONNX metadata
//! under the key `character`, one entry per line (the model's classes are CTC blank +
//! dictionary + space).

use std::path::{Path, PathBuf};

use tract_onnx::prelude::Framework as _;

/// The environment variable naming a folder that holds the two model files.
pub const MODELS_ENV: &str = "OCRCHAT_PPOCR_MODELS";
/// The detection model's file name.
pub const DET_MODEL: &str = "PP-OCRv6_det_small.onnx";
/// The recognition model's file name.
pub const REC_MODEL: &str = "PP-OCRv6_rec_small.onnx";
/// The command that installs the models.
pub const INSTALL_COMMAND: &str = "bash scripts/install-models.sh";

/// A folder that may hold the PP-OCRv6 models.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PpocrModels {
    dir: PathBuf,
}

impl PpocrModels {
    /// `$OCRCHAT_PPOCR_MODELS` when set, else the app's data dir
    /// (`$XDG_DATA_HOME/ocrchat/models/ppocr-v6`), the place `scripts/install-models.sh` uses.
    #[must_use]
    pub fn locate() -> Self {
        if let Some(dir) = std::env::var_os(MODELS_ENV).filter(|dir| !dir.is_empty()) {
            return Self::at(PathBuf::from(dir));
        }
        let data = directories::ProjectDirs::from("", "", "ocrchat").map_or_else(
            || PathBuf::from(".local/share/ocrchat"),
            |dirs| dirs.data_dir().to_path_buf(),
        );
        Self::at(data.join("models").join("ppocr-v6"))
    }

    /// The models in `dir` (a setting pointing at files copied by hand).
    #[must_use]
    pub fn at(dir: PathBuf) -> Self {
        Self { dir }
    }

    /// The folder.
    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The detection model's path.
    #[must_use]
    pub fn det_path(&self) -> PathBuf {
        self.dir.join(DET_MODEL)
    }

    /// The recognition model's path.
    #[must_use]
    pub fn rec_path(&self) -> PathBuf {
        self.dir.join(REC_MODEL)
    }

    /// Whether both model files are there (their contents are checked when an engine starts).
    #[must_use]
    pub fn present(&self) -> bool {
        self.det_path().is_file() && self.rec_path().is_file()
    }

    /// Why PP-OCR cannot run from this folder, with the next step; `None` when it can.
    #[must_use]
    pub fn missing_reason(&self) -> Option<String> {
        (!self.present()).then(|| {
            format!(
                "PP-OCR is unavailable: no {DET_MODEL} and {REC_MODEL} in {}. Install them with \
                 `{INSTALL_COMMAND}`, or set {MODELS_ENV} to a folder holding copies",
                self.dir.display()
            )
        })
    }
}

/// The recognition dictionary stored in the rec model's metadata (`character`), one entry per
/// line, as `dictionary_text` expects.
///
/// # Errors
/// A description when the bytes are not an ONNX model or have no `character` entry.
pub fn dictionary_from_metadata(rec_model: &[u8]) -> Result<String, String> {
    let proto = tract_onnx::onnx()
        .proto_model_for_read(&mut &rec_model[..])
        .map_err(|err| format!("the recognition model is not a readable ONNX file: {err}"))?;
    let entry = proto
        .metadata_props
        .into_iter()
        .find(|entry| entry.key == "character")
        .ok_or_else(|| "the recognition model has no `character` dictionary".to_owned())?;
    if entry.value.trim().is_empty() {
        return Err("the recognition model's `character` dictionary is empty".to_owned());
    }
    Ok(entry.value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_models_name_the_folder_and_the_install_command() {
        let dir = tempfile::tempdir().unwrap();
        let models = PpocrModels::at(dir.path().to_path_buf());
        let reason = models.missing_reason().unwrap();
        assert!(reason.contains(INSTALL_COMMAND), "{reason}");
        assert!(
            reason.contains(&dir.path().display().to_string()),
            "{reason}"
        );
        std::fs::write(models.det_path(), b"x").unwrap();
        std::fs::write(models.rec_path(), b"x").unwrap();
        assert_eq!(models.missing_reason(), None, "both files present");
    }

    #[test]
    fn garbage_is_not_a_dictionary() {
        let err = dictionary_from_metadata(b"not onnx at all").unwrap_err();
        assert!(err.contains("ONNX") || err.contains("dictionary"), "{err}");
    }
}
