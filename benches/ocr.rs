//! OCR benchmarks against the `tesseract` command line (the baseline, measured in the same
//! run, with `OMP_THREAD_LIMIT=1`, its best case here):
//!
//! 1. Throughput: 40 images (the accuracy fixtures, cycled) through the pool with warm
//!    engines, against the CLI run once per image, sequentially. Target >= 2.5x on 2 cores.
//! 2. Latency: one 1920×1080 screenshot, submit to text ready with warm engines, against one
//!    CLI run on the same file; medians of alternating rounds. Target <= 0.6x.
//! 3. Accuracy: CER per fixture and mean, ocrchat against the CLI, plus each preprocessing
//!    step switched off in turn (the step stays only if it helps).
//!
//! Run: `cargo bench --bench ocr` (needs `tesseract-ocr`, installed by
//! `scripts/setup.sh`). Figures are printed, never asserted; the exit code is non-zero only
//! when something fails to run.

#![expect(
    clippy::print_stderr,
    clippy::print_stdout,
    reason = "tests, benchmarks and examples fail loudly on a broken fixture and print their figures"
)]
#[path = "../tests/ocr_support/mod.rs"]
mod ocr_support;

use std::path::Path;
use std::process::{Command, ExitCode};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ocr_support::{FIXTURES, Fixture, fixture_path};
use ocrchat::ocr::preprocess::PreprocessOptions;
use ocrchat::ocr::{
    LanguageSpec, OcrPool, OcrPoolConfig, OcrRequest, OcrSource, TessData, TesseractFactory,
};

const THROUGHPUT_IMAGES: usize = 40;
const LATENCY_ROUNDS: usize = 7;
const SCREEN: &str = "screen_en.png";

fn main() -> ExitCode {
    if let Some(err) = ocrchat::ocr::thread_limit::reexec_if_missing() {
        eprintln!("could not re-run with OMP_THREAD_LIMIT=1: {err}");
        return ExitCode::FAILURE;
    }
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("ocr bench failed: {err}");
            ExitCode::FAILURE
        }
    }
}

type Failure = Box<dyn std::error::Error>;

fn run() -> Result<(), Failure> {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    println!(
        "OCR bench: {cores} cores, OMP_THREAD_LIMIT={}",
        std::env::var("OMP_THREAD_LIMIT").unwrap_or_default()
    );
    cli_text(&fixture_path(SCREEN), "eng")
        .map_err(|err| format!("the tesseract CLI does not run ({err}); run scripts/setup.sh"))?;

    let pool = pool_with(PreprocessOptions {
        max_bands: cores.min(4),
        ..PreprocessOptions::default()
    })?;
    throughput(&pool)?;
    latency(&pool)?;
    accuracy(&pool)?;
    ablation()?;
    Ok(())
}

fn pool_with(preprocess: PreprocessOptions) -> Result<OcrPool, Failure> {
    let config = OcrPoolConfig {
        preprocess,
        ..OcrPoolConfig::default()
    };
    let pool = OcrPool::start(Arc::new(TesseractFactory::new(TessData::locate())), config)?;
    for lang in ["eng", "chi_sim"] {
        let ready = pool.prewarm(&LanguageSpec::parse(lang)?);
        for _ in 0..pool.workers() {
            ready.recv()??;
        }
    }
    Ok(pool)
}

fn request(fixture: &Fixture) -> Result<OcrRequest, Failure> {
    Ok(OcrRequest {
        source: OcrSource::File(fixture.path()),
        languages: LanguageSpec::parse(fixture.lang)?,
    })
}

fn cli_text(path: &Path, lang: &str) -> Result<String, Failure> {
    let output = Command::new("tesseract")
        .arg(path)
        .arg("stdout")
        .args(["-l", lang])
        .env("OMP_THREAD_LIMIT", "1")
        .output()?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned().into());
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

fn pool_text(pool: &OcrPool, fixture: &Fixture) -> Result<String, Failure> {
    Ok(pool.submit(request(fixture)?, None)?.wait()?.text)
}

fn throughput(pool: &OcrPool) -> Result<(), Failure> {
    let images: Vec<&Fixture> = FIXTURES.iter().cycle().take(THROUGHPUT_IMAGES).collect();
    let started = Instant::now();
    for fixture in &images {
        cli_text(&fixture.path(), fixture.lang)?;
    }
    let cli = started.elapsed();
    let started = Instant::now();
    let jobs = images
        .iter()
        .map(|f| Ok(pool.submit(request(f)?, None)?))
        .collect::<Result<Vec<_>, Failure>>()?;
    for job in jobs {
        job.wait()?;
    }
    let ours = started.elapsed();
    println!(
        "\n## Throughput: {THROUGHPUT_IMAGES} images ({} fixtures cycled)",
        FIXTURES.len()
    );
    println!("| path | total s | per image ms |\n| --- | ---: | ---: |");
    for (name, time) in [
        ("tesseract CLI, sequential", cli),
        (
            &*format!("ocrchat pool, {} workers, warm", pool.workers()),
            ours,
        ),
    ] {
        println!(
            "| {name} | {:.2} | {:.0} |",
            time.as_secs_f64(),
            time.as_secs_f64() * 1000.0 / THROUGHPUT_IMAGES as f64
        );
    }
    println!(
        "speed-up: {:.2}x (target >= 2.5x)",
        cli.as_secs_f64() / ours.as_secs_f64()
    );
    Ok(())
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn latency(pool: &OcrPool) -> Result<(), Failure> {
    let screen = FIXTURES
        .iter()
        .find(|f| f.file == SCREEN)
        .ok_or("no screen fixture")?;
    let (mut cli, mut ours) = (Vec::new(), Vec::new());
    let (mut cli_cer, mut our_cer) = (0.0, 0.0);
    for _ in 0..LATENCY_ROUNDS {
        let started = Instant::now();
        let text = cli_text(&screen.path(), screen.lang)?;
        cli.push(started.elapsed());
        cli_cer = screen.cer(&text);
        let started = Instant::now();
        let text = pool_text(pool, screen)?;
        ours.push(started.elapsed());
        our_cer = screen.cer(&text);
    }
    let (cli, ours) = (median(cli), median(ours));
    println!(
        "\n## Latency: one 1920×1080 screenshot, median of {LATENCY_ROUNDS} alternating rounds"
    );
    println!("| path | ms | CER |\n| --- | ---: | ---: |");
    println!(
        "| tesseract CLI | {:.0} | {cli_cer:.3} |",
        cli.as_secs_f64() * 1000.0
    );
    println!(
        "| ocrchat pool, warm, bands on {} workers | {:.0} | {our_cer:.3} |",
        pool.workers(),
        ours.as_secs_f64() * 1000.0
    );
    println!(
        "ratio: {:.2}x (target <= 0.6x)",
        ours.as_secs_f64() / cli.as_secs_f64()
    );
    Ok(())
}

fn accuracy(pool: &OcrPool) -> Result<(), Failure> {
    println!("\n## Accuracy: CER per fixture (lower is better)");
    println!("| fixture | tesseract CLI | ocrchat |\n| --- | ---: | ---: |");
    let (mut cli_sum, mut our_sum) = (0.0, 0.0);
    for fixture in FIXTURES {
        let cli = fixture.cer(&cli_text(&fixture.path(), fixture.lang)?);
        let ours = fixture.cer(&pool_text(pool, fixture)?);
        cli_sum += cli;
        our_sum += ours;
        println!("| {} | {cli:.3} | {ours:.3} |", fixture.file);
    }
    let n = FIXTURES.len() as f64;
    println!(
        "| **mean** | **{:.3}** | **{:.3}** |",
        cli_sum / n,
        our_sum / n
    );
    Ok(())
}

fn ablation() -> Result<(), Failure> {
    let all = PreprocessOptions::default();
    let variants = [
        ("all steps", all),
        (
            "no dark inversion",
            PreprocessOptions {
                invert_dark: false,
                ..all
            },
        ),
        (
            "no upscaling",
            PreprocessOptions {
                upscale_small: false,
                ..all
            },
        ),
        (
            "no bands (whole page on one engine)",
            PreprocessOptions {
                max_bands: 1,
                ..all
            },
        ),
    ];
    println!("\n## Preprocessing steps: mean CER and time with each step off");
    println!(
        "| variant | mean CER | dark | small | total s |\n| --- | ---: | ---: | ---: | ---: |"
    );
    for (name, options) in variants {
        let pool = pool_with(options)?;
        let started = Instant::now();
        let (mut sum, mut dark, mut small) = (0.0, 0.0, 0.0);
        for fixture in FIXTURES {
            let cer = fixture.cer(&pool_text(&pool, fixture)?);
            sum += cer;
            if fixture.file.starts_with("dark") {
                dark += cer / 2.0;
            }
            if fixture.file.starts_with("small") {
                small += cer / 2.0;
            }
        }
        println!(
            "| {name} | {:.3} | {dark:.3} | {small:.3} | {:.2} |",
            sum / FIXTURES.len() as f64,
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}
