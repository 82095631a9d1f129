//! `ocrchat ocr`: read the text in image files, headless, through the same worker pool the
//! window uses. Text, TSV or JSON Lines to stdout; one line per failed file on stderr; the
//! other files are still read.

use std::collections::VecDeque;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use crate::cli::output::diagnostic;
use crate::domain::OcrResult;
use crate::ocr::{
    LanguageSpec, OcrError, OcrJobHandle, OcrPool, OcrPoolConfig, OcrRequest, OcrSource, TessData,
    tesseract_pool,
};

/// The arguments of `ocrchat ocr`.
#[derive(Debug, Clone, clap::Args)]
pub struct OcrArgs {
    /// OCR languages joined by `+`, such as `eng`, `chi_sim` or `chi_sim+eng`.
    #[arg(long, default_value = "eng")]
    pub lang: String,
    /// What to print: the text, tesseract-style TSV rows, or one JSON object per file.
    #[arg(long, value_enum, default_value_t = OcrFormat::Text)]
    pub format: OcrFormat,
    /// Image files (PNG, JPEG, WebP, BMP, TIFF, GIF).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

/// The output formats of `ocrchat ocr`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OcrFormat {
    /// The recognised text (with a `==> file <==` header per file when there are several).
    Text,
    /// One row per word: file, page, block, line, word, box, confidence, text.
    Tsv,
    /// One JSON object per file: words with boxes and confidences, lines, mean confidence,
    /// language, engine, timing.
    Json,
}

/// Runs `ocr`. Exit code: 0 when every file gave text, 1 when some had none (and nothing
/// failed), 2 when any file failed or the arguments were wrong.
#[must_use]
pub fn run_ocr(args: &OcrArgs) -> ExitCode {
    let languages = match LanguageSpec::parse(&args.lang)
        .and_then(|spec| spec.check_installed(&TessData::locate()).map(|()| spec))
    {
        Ok(languages) => languages,
        Err(err) => {
            diagnostic(&err.to_string());
            return ExitCode::from(2);
        }
    };
    let pool = match tesseract_pool(OcrPoolConfig::default()) {
        Ok(pool) => pool,
        Err(err) => {
            diagnostic(&format!("could not start the OCR workers: {err}"));
            return ExitCode::from(2);
        }
    };
    let mut printer = Printer::new(args.format, args.files.len() > 1);
    let (mut failed, mut empty) = (0_usize, 0_usize);
    // Keep a window of jobs in flight and print in the order the files were given.
    let window = pool.workers() * 2;
    let mut files = args.files.iter();
    let mut in_flight: VecDeque<(String, Result<OcrJobHandle, OcrError>)> = VecDeque::new();
    loop {
        while in_flight.len() < window
            && let Some(file) = files.next()
        {
            in_flight.push_back((file.display().to_string(), submit(&pool, file, &languages)));
        }
        let Some((name, job)) = in_flight.pop_front() else {
            break;
        };
        match job.and_then(OcrJobHandle::wait) {
            Ok(result) if result.is_empty() => {
                empty += 1;
                diagnostic(&OcrError::NoText { name }.to_string());
            }
            Ok(result) => {
                if printer.print(&name, &result).is_err() {
                    // stdout closed (`| head`): nothing more to say, and not an error.
                    return ExitCode::SUCCESS;
                }
            }
            Err(err) => {
                failed += 1;
                diagnostic(&err.to_string());
            }
        }
    }
    if failed > 0 {
        ExitCode::from(2)
    } else if empty > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn submit(
    pool: &OcrPool,
    file: &std::path::Path,
    languages: &LanguageSpec,
) -> Result<OcrJobHandle, OcrError> {
    pool.submit(
        OcrRequest {
            source: OcrSource::File(file.to_path_buf()),
            languages: languages.clone(),
        },
        None,
    )
}

/// Writes results to stdout in one format.
struct Printer {
    format: OcrFormat,
    headers: bool,
    printed_any: bool,
    out: std::io::StdoutLock<'static>,
}

impl Printer {
    fn new(format: OcrFormat, headers: bool) -> Self {
        Self {
            format,
            headers,
            printed_any: false,
            out: std::io::stdout().lock(),
        }
    }

    fn print(&mut self, name: &str, result: &OcrResult) -> std::io::Result<()> {
        let first = !self.printed_any;
        self.printed_any = true;
        match self.format {
            OcrFormat::Text => {
                if self.headers {
                    let gap = if first { "" } else { "\n" };
                    writeln!(self.out, "{gap}==> {name} <==")?;
                }
                writeln!(self.out, "{}", result.text)?;
            }
            OcrFormat::Tsv => {
                if first {
                    writeln!(
                        self.out,
                        "file\tpage\tblock\tline\tword\tleft\ttop\twidth\theight\tconf\ttext"
                    )?;
                }
                for (page_index, page) in result.pages.iter().enumerate() {
                    for (block_index, block) in page.blocks.iter().enumerate() {
                        for (line_index, line) in block.lines.iter().enumerate() {
                            for (word_index, word) in line.words.iter().enumerate() {
                                let b = word.bbox;
                                writeln!(
                                    self.out,
                                    "{name}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{:.2}\t{}",
                                    page_index + 1,
                                    block_index + 1,
                                    line_index + 1,
                                    word_index + 1,
                                    b.left,
                                    b.top,
                                    b.width,
                                    b.height,
                                    word.confidence,
                                    word.text
                                )?;
                            }
                        }
                    }
                }
            }
            OcrFormat::Json => {
                let mut value = serde_json::to_value(result).map_err(std::io::Error::other)?;
                if let Some(object) = value.as_object_mut() {
                    object.insert(
                        "file".to_owned(),
                        serde_json::Value::String(name.to_owned()),
                    );
                }
                writeln!(self.out, "{value}")?;
            }
        }
        self.out.flush()
    }
}
