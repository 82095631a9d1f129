//! PP-OCR against tesseract on the Chinese fixtures (issue 14): CER and time per image for
//! PP-OCR in-process, tesseract in-process and the `tesseract` CLI; a 1920×1080 Chinese
//! screenshot first-seen and warm; RSS after 100 images of mixed sizes. Ratios are against
//! tesseract measured in the same run.
//!
//! `CARGO_TARGET_DIR=… cargo bench --features ppocr --bench ppocr` (needs
//! `bash scripts/install-models.sh`).
#![expect(
    clippy::print_stdout,
    clippy::unwrap_used,
    reason = "tests, benchmarks and examples fail loudly on a broken fixture and print their figures"
)]

#[path = "../tests/ocr_ppocr_fixtures/mod.rs"]
mod ocr_ppocr_fixtures;
#[path = "../tests/ocr_support/mod.rs"]
mod ocr_support;

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use ocr_ppocr_fixtures::{models, render_all, render_screenshot};
use ocr_support::cer;
use ocrchat::domain::OcrResult;
use ocrchat::ocr::ppocr::PpocrFactory;
use ocrchat::ocr::{LanguageSpec, OcrPool, OcrPoolConfig, OcrRequest, OcrSource, tesseract_pool};

const RUNS: usize = 3;

fn read(pool: &OcrPool, file: &Path, languages: &LanguageSpec) -> (OcrResult, f64) {
    let started = Instant::now();
    let request = OcrRequest {
        source: OcrSource::File(file.to_path_buf()),
        languages: languages.clone(),
    };
    let result = pool.submit(request, None).unwrap().wait().unwrap();
    (result, started.elapsed().as_secs_f64() * 1000.0)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn timed(pool: &OcrPool, file: &Path, languages: &LanguageSpec) -> (String, f64) {
    let mut text = String::new();
    let times = (0..RUNS)
        .map(|_| {
            let (result, ms) = read(pool, file, languages);
            text = result.text;
            ms
        })
        .collect();
    (text, median(times))
}

fn tesseract_cli(file: &Path) -> (String, f64) {
    let mut text = String::new();
    let times = (0..RUNS)
        .map(|_| {
            let started = Instant::now();
            let output = Command::new("tesseract")
                .arg(file)
                .args(["-", "-l", "chi_sim"])
                .env("OMP_THREAD_LIMIT", "1")
                .output()
                .unwrap();
            text = String::from_utf8_lossy(&output.stdout).into_owned();
            started.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    (text, median(times))
}

fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kib: f64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0.0);
    kib / 1024.0
}

fn main() {
    if std::env::var_os("OMP_THREAD_LIMIT").is_none() {
        // libtesseract's OpenMP reads this only at process start.
        let status = Command::new(std::env::current_exe().unwrap())
            .args(std::env::args_os().skip(1))
            .env("OMP_THREAD_LIMIT", "1")
            .status()
            .unwrap();
        std::process::exit(status.code().unwrap_or(1));
    }
    let idle_rss = rss_mib();
    let dir = tempfile::tempdir().unwrap();
    let fixtures = render_all(dir.path());
    let screenshot = render_screenshot(dir.path());
    let chi = LanguageSpec::parse("chi_sim").unwrap();
    let config = OcrPoolConfig::default();

    let load = Instant::now();
    let ppocr = OcrPool::start(Arc::new(PpocrFactory::new(models())), config).unwrap();
    for ready in ppocr.prewarm(&chi).iter().take(ppocr.workers()) {
        ready.unwrap();
    }
    let load_ms = load.elapsed().as_secs_f64() * 1000.0;
    let tesseract = tesseract_pool(config).unwrap();
    for ready in tesseract.prewarm(&chi).iter().take(tesseract.workers()) {
        ready.unwrap();
    }

    // The screenshot's shape is first seen here (only the common plans were warmed up).
    let (_, screen_first) = read(&ppocr, &screenshot, &chi);
    let (_, screen_warm) = timed(&ppocr, &screenshot, &chi);
    let (_, screen_tess) = timed(&tesseract, &screenshot, &chi);

    println!("fixture       CER ppocr  tess  cli   ms ppocr   tess    cli");
    let mut sums = [0.0_f64; 6];
    for fixture in &fixtures {
        let (p_text, p_ms) = timed(&ppocr, &fixture.path, &chi);
        let (t_text, t_ms) = timed(&tesseract, &fixture.path, &chi);
        let (c_text, c_ms) = tesseract_cli(&fixture.path);
        let row = [
            cer(&p_text, &fixture.truth, true),
            cer(&t_text, &fixture.truth, true),
            cer(&c_text, &fixture.truth, true),
            p_ms,
            t_ms,
            c_ms,
        ];
        for (sum, value) in sums.iter_mut().zip(row) {
            *sum += value;
        }
        println!(
            "{:12} {:9.3} {:5.3} {:5.3} {:8.0} {:6.0} {:6.0}",
            fixture.name, row[0], row[1], row[2], row[3], row[4], row[5]
        );
    }
    let n = fixtures.len() as f64;
    println!(
        "{:12} {:9.3} {:5.3} {:5.3} {:8.0} {:6.0} {:6.0}",
        "mean",
        sums[0] / n,
        sums[1] / n,
        sums[2] / n,
        sums[3] / n,
        sums[4] / n,
        sums[5] / n
    );
    println!(
        "CER ppocr/tesseract {:.2}  ppocr/cli {:.2}; time ppocr/tesseract {:.2}  ppocr/cli {:.2}",
        sums[0] / sums[1].max(1e-9),
        sums[0] / sums[2].max(1e-9),
        sums[3] / sums[4],
        sums[3] / sums[5]
    );
    println!(
        "1920x1080 zh: ppocr first-seen {screen_first:.0} ms, warm {screen_warm:.0} ms; \
         tesseract warm {screen_tess:.0} ms; ppocr warm / tesseract {:.2}",
        screen_warm / screen_tess
    );
    println!("ppocr model load + warm-up {load_ms:.0} ms");

    // 100 images of mixed sizes: every fixture scaled by one of several factors.
    drop(tesseract);
    let after_warm = rss_mib();
    let scales = [0.6, 0.8, 1.0, 1.3, 1.7, 2.2];
    let mut marks = Vec::new();
    for i in 0..100 {
        let fixture = &fixtures[i % fixtures.len()];
        let scale = scales[(i / fixtures.len()) % scales.len()];
        let image = image::open(&fixture.path).unwrap();
        let resize_side = |side: u32| (f64::from(side) * scale) as u32;
        let (w, h) = (resize_side(image.width()), resize_side(image.height()));
        let resized = image.resize_exact(w, h, image::imageops::FilterType::Triangle);
        let file = dir.path().join(format!("mixed_{i}.png"));
        resized.save(&file).unwrap();
        read(&ppocr, &file, &chi);
        std::fs::remove_file(&file).ok();
        if [19, 49, 99].contains(&i) {
            marks.push((i + 1, rss_mib()));
        }
    }
    println!("RSS idle {idle_rss:.0} MiB; PP-OCR warm {after_warm:.0} MiB");
    for (count, rss) in &marks {
        println!(
            "RSS after {count:3} mixed images {rss:.0} MiB (+{:.0} over idle)",
            rss - idle_rss
        );
    }
}
