//! Which OCR languages are installed (tesseract `.traineddata` files), and checking a language
//! list such as `chi_sim+eng` against them before an engine is started, so a missing language
//! names the Debian package that provides it instead of failing inside libtesseract.

use std::path::{Path, PathBuf};

use super::OcrError;

/// Where Debian and other distributions keep tesseract's data, newest first.
const TESSDATA_DIRS: &[&str] = &[
    "/usr/share/tesseract-ocr/5/tessdata",
    "/usr/share/tesseract-ocr/4.00/tessdata",
    "/usr/share/tessdata",
    "/usr/local/share/tessdata",
];

/// A checked, `+`-joined list of tesseract language codes, such as `chi_sim+eng`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LanguageSpec(String);

impl LanguageSpec {
    /// Checks the form only (letters, digits, `_`, joined by `+`); see [`Self::check_installed`].
    ///
    /// # Errors
    /// [`OcrError::LanguageInvalid`] for anything else (empty parts, paths, spaces).
    pub fn parse(spec: &str) -> Result<Self, OcrError> {
        let spec = spec.trim();
        let valid = !spec.is_empty()
            && spec.split('+').all(|code| {
                !code.is_empty()
                    && code.len() <= 32
                    && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            });
        if valid {
            Ok(Self(spec.to_owned()))
        } else {
            Err(OcrError::LanguageInvalid {
                spec: spec.to_owned(),
            })
        }
    }

    /// The list as tesseract spells it.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The single language codes.
    pub fn codes(&self) -> impl Iterator<Item = &str> {
        self.0.split('+')
    }

    /// True when any of the languages is Chinese, Japanese or Korean.
    #[must_use]
    pub fn has_cjk(&self) -> bool {
        self.codes()
            .any(|code| ["chi", "jpn", "kor"].iter().any(|p| code.starts_with(p)))
    }

    /// Checks that every language is installed in `data`.
    ///
    /// # Errors
    /// [`OcrError::LanguageMissing`] naming the first missing language and its package.
    pub fn check_installed(&self, data: &TessData) -> Result<(), OcrError> {
        let installed = data.installed();
        for code in self.codes() {
            if !installed.iter().any(|have| have == code) {
                return Err(OcrError::LanguageMissing {
                    language: code.to_owned(),
                    package: debian_package(code),
                    installed: if installed.is_empty() {
                        "none".to_owned()
                    } else {
                        installed.join(", ")
                    },
                });
            }
        }
        Ok(())
    }
}

impl std::fmt::Display for LanguageSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The Debian package holding a language's traineddata: `chi_sim` → `tesseract-ocr-chi-sim`.
#[must_use]
pub fn debian_package(code: &str) -> String {
    format!(
        "tesseract-ocr-{}",
        code.to_ascii_lowercase().replace('_', "-")
    )
}

/// The directory holding tesseract's `.traineddata` files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TessData {
    dir: PathBuf,
}

impl TessData {
    /// `$TESSDATA_PREFIX` when set (as libtesseract reads it), else the first of the usual
    /// system directories that exists (Debian: `/usr/share/tesseract-ocr/5/tessdata`).
    #[must_use]
    pub fn locate() -> Self {
        if let Some(prefix) = std::env::var_os("TESSDATA_PREFIX") {
            return Self::at(PathBuf::from(prefix));
        }
        let dir = TESSDATA_DIRS
            .iter()
            .map(PathBuf::from)
            .find(|dir| dir.is_dir())
            .unwrap_or_else(|| PathBuf::from(TESSDATA_DIRS[0]));
        Self::at(dir)
    }

    /// A specific directory.
    #[must_use]
    pub fn at(dir: PathBuf) -> Self {
        Self { dir }
    }

    /// The directory.
    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The installed language codes, sorted (`osd`, the orientation model, is left out).
    #[must_use]
    pub fn installed(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut codes: Vec<String> = entries
            .filter_map(Result::ok)
            .filter_map(|entry| {
                let name = entry.file_name().into_string().ok()?;
                let code = name.strip_suffix(".traineddata")?;
                (code != "osd" && LanguageSpec::parse(code).is_ok()).then(|| code.to_owned())
            })
            .collect();
        codes.sort();
        codes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_language_lists_and_rejects_paths_and_blanks() {
        let spec = LanguageSpec::parse(" chi_sim+eng ").unwrap();
        assert_eq!(spec.as_str(), "chi_sim+eng", "trimmed");
        assert_eq!(
            spec.codes().collect::<Vec<_>>(),
            ["chi_sim", "eng"],
            "codes"
        );
        assert!(spec.has_cjk(), "chi_sim is CJK");
        assert!(!LanguageSpec::parse("eng").unwrap().has_cjk(), "eng is not");
        for bad in ["", "eng+", "../eng", "eng fra", "+"] {
            let err = LanguageSpec::parse(bad).unwrap_err();
            assert!(
                matches!(err, OcrError::LanguageInvalid { .. }),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn missing_language_names_its_debian_package() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("eng.traineddata"), b"x").unwrap();
        std::fs::write(dir.path().join("osd.traineddata"), b"x").unwrap();
        let data = TessData::at(dir.path().to_path_buf());
        assert_eq!(data.installed(), ["eng"], "osd is not a language");
        LanguageSpec::parse("eng")
            .unwrap()
            .check_installed(&data)
            .unwrap();
        let err = LanguageSpec::parse("eng+chi_sim")
            .unwrap()
            .check_installed(&data)
            .unwrap_err();
        let message = err.to_string();
        assert!(
            message.contains("`chi_sim`")
                && message.contains("apt-get install tesseract-ocr-chi-sim"),
            "{message}"
        );
        assert!(message.contains("choose one of: eng"), "{message}");
    }
}
