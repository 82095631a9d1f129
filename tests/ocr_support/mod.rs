//! Shared by the OCR tests and the OCR benchmark: the accuracy fixtures with their ground
//! truth, the character error rate, and running a test again in a child process with
//! `OMP_THREAD_LIMIT=1` (libtesseract's OpenMP reads it only at process start).

#![allow(dead_code, reason = "each test binary uses a different part")]
#![expect(
    clippy::unwrap_used,
    reason = "test helpers: a failed setup step should fail the test"
)]

use std::path::PathBuf;

/// One accuracy fixture: an image in `tests/fixtures/ocr/` and its ground truth `<stem>.txt`.
#[derive(Clone, Copy, Debug)]
pub struct Fixture {
    /// The image's file name.
    pub file: &'static str,
    /// The tesseract languages to read it with.
    pub lang: &'static str,
    /// The CER the test allows (measured value plus a margin).
    pub max_cer: f64,
}

/// The fixtures rendered by `tests/fixtures/ocr/make.sh`.
pub const FIXTURES: &[Fixture] = &[
    Fixture {
        file: "dark_en.png",
        lang: "eng",
        max_cer: 0.04,
    },
    Fixture {
        file: "dark_zh.png",
        lang: "chi_sim",
        max_cer: 0.08,
    },
    Fixture {
        file: "small_en.png",
        lang: "eng",
        max_cer: 0.03,
    },
    Fixture {
        file: "small_zh.png",
        lang: "chi_sim",
        max_cer: 0.08,
    },
    Fixture {
        file: "photo_en.jpg",
        lang: "eng",
        max_cer: 0.03,
    },
    Fixture {
        file: "photo_zh.jpg",
        lang: "chi_sim",
        max_cer: 0.06,
    },
    Fixture {
        file: "columns_en.png",
        lang: "eng",
        max_cer: 0.03,
    },
    Fixture {
        file: "columns_zh.png",
        lang: "chi_sim",
        max_cer: 0.05,
    },
    Fixture {
        file: "chat_en.png",
        lang: "eng",
        max_cer: 0.05,
    },
    Fixture {
        file: "chat_zh.png",
        lang: "chi_sim",
        max_cer: 0.1,
    },
    Fixture {
        file: "screen_en.png",
        lang: "eng",
        max_cer: 0.02,
    },
];

/// `tests/fixtures/ocr/<name>`.
pub fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/ocr")
        .join(name)
}

impl Fixture {
    /// The image's path.
    pub fn path(&self) -> PathBuf {
        fixture_path(self.file)
    }

    /// The ground truth.
    pub fn truth(&self) -> String {
        let stem = self
            .file
            .rsplit_once('.')
            .map_or(self.file, |(stem, _)| stem);
        std::fs::read_to_string(fixture_path(&format!("{stem}.txt"))).unwrap()
    }

    /// Whether whitespace is ignored when scoring (Chinese).
    pub fn is_chinese(&self) -> bool {
        self.lang.starts_with("chi")
    }

    /// The character error rate of `text` against the ground truth.
    pub fn cer(&self, text: &str) -> f64 {
        cer(text, &self.truth(), self.is_chinese())
    }
}

/// Levenshtein distance over characters divided by the reference's length. Whitespace runs
/// count as one space, or not at all when `drop_whitespace` (Chinese).
pub fn cer(text: &str, reference: &str, drop_whitespace: bool) -> f64 {
    let normalise = |s: &str| -> Vec<char> {
        if drop_whitespace {
            s.chars().filter(|c| !c.is_whitespace()).collect()
        } else {
            s.split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .chars()
                .collect()
        }
    };
    let (text, reference) = (normalise(text), normalise(reference));
    if reference.is_empty() {
        return if text.is_empty() { 0.0 } else { 1.0 };
    }
    let mut previous: Vec<usize> = (0..=reference.len()).collect();
    for (i, &a) in text.iter().enumerate() {
        let mut current = vec![i + 1];
        for (j, &b) in reference.iter().enumerate() {
            let substitute = previous[j] + usize::from(a != b);
            current.push(substitute.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[reference.len()] as f64 / reference.len() as f64
}

/// When `OMP_THREAD_LIMIT` is missing, runs test `name` of this binary again in a child process
/// with it set, asserts the child passed, and returns true (the caller returns at once).
pub fn rerun_with_thread_limit(name: &str) -> bool {
    if std::env::var_os("OMP_THREAD_LIMIT").is_some() {
        return false;
    }
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env("OMP_THREAD_LIMIT", "1")
        .status()
        .unwrap();
    assert!(
        status.success(),
        "{name} failed when run with OMP_THREAD_LIMIT=1"
    );
    true
}

#[cfg(test)]
mod tests {
    #[test]
    fn cer_counts_edits_over_reference_length() {
        assert!(
            (super::cer("kitten", "sitting", false) - 3.0 / 7.0).abs() < 1e-9,
            "classic"
        );
        assert!(
            super::cer("a  b\n", "a b", false) < 1e-9,
            "whitespace runs are one space"
        );
        assert!(
            super::cer("你 好", "你好", true) < 1e-9,
            "Chinese ignores whitespace"
        );
    }
}
