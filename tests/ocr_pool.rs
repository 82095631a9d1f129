//! The OCR pool with real libtesseract: engines are started once per worker and reused,
//! several callers share the pool at once, queued jobs can be cancelled, the queue is bounded,
//! and progress arrives in order.

#![expect(
    clippy::unwrap_used,
    reason = "tests, benchmarks and examples fail loudly on a broken fixture and print their figures"
)]
mod ocr_support;

use std::sync::Arc;
use std::sync::mpsc;

use ocr_support::{FIXTURES, fixture_path, rerun_with_thread_limit};
use ocrchat::ocr::{
    LanguageSpec, OcrError, OcrPoolConfig, OcrProgress, OcrRequest, OcrSource, OcrStage,
    tesseract_pool,
};

fn request(file: &str, lang: &str) -> OcrRequest {
    OcrRequest {
        source: OcrSource::File(fixture_path(file)),
        languages: LanguageSpec::parse(lang).unwrap(),
    }
}

fn config(workers: usize, queue_capacity: usize) -> OcrPoolConfig {
    OcrPoolConfig {
        workers,
        queue_capacity,
        ..OcrPoolConfig::default()
    }
}

#[test]
fn engines_are_started_once_per_worker_and_reused() {
    if rerun_with_thread_limit("engines_are_started_once_per_worker_and_reused") {
        return;
    }
    let pool = tesseract_pool(config(2, 16)).unwrap();
    let ready = pool.prewarm(&LanguageSpec::parse("eng").unwrap());
    for _ in 0..2 {
        ready.recv().unwrap().unwrap();
    }
    assert_eq!(
        pool.engines_started(),
        2,
        "one engine per worker after warming"
    );
    let jobs: Vec<_> = (0..6)
        .map(|_| pool.submit(request("columns_en.png", "eng"), None).unwrap())
        .collect();
    let columns = FIXTURES
        .iter()
        .find(|f| f.file == "columns_en.png")
        .unwrap();
    for job in jobs {
        let text = job.wait().unwrap().text;
        assert!(
            columns.cer(&text) <= columns.max_cer,
            "read as well as alone:\n{text}"
        );
    }
    assert_eq!(
        pool.engines_started(),
        2,
        "six images, columns on both workers, no new engine"
    );
    pool.submit(request("small_zh.png", "chi_sim"), None)
        .unwrap()
        .wait()
        .unwrap();
    assert!(
        pool.engines_started() <= 4,
        "a second language adds at most one per worker"
    );
}

#[test]
fn concurrent_callers_share_the_pool() {
    if rerun_with_thread_limit("concurrent_callers_share_the_pool") {
        return;
    }
    let pool = Arc::new(tesseract_pool(config(2, 8)).unwrap());
    let callers: Vec<_> = [
        ("dark_en.png", "eng"),
        ("columns_en.png", "eng"),
        ("dark_zh.png", "chi_sim"),
    ]
    .into_iter()
    .enumerate()
    .map(|(index, (file, lang))| {
        let pool = Arc::clone(&pool);
        std::thread::Builder::new()
            .name(format!("caller-{index}"))
            .spawn(move || {
                let jobs: Vec<_> = (0..3)
                    .map(|_| pool.submit(request(file, lang), None).unwrap())
                    .collect();
                jobs.into_iter()
                    .map(|job| job.wait().unwrap().text)
                    .collect::<Vec<_>>()
            })
            .unwrap()
    })
    .collect();
    let texts: Vec<Vec<String>> = callers
        .into_iter()
        .map(|caller| caller.join().unwrap())
        .collect();
    for (texts, expected) in
        texts
            .iter()
            .zip(["Settings saved.", "The committee met", "设置已保存"])
    {
        for text in texts {
            assert!(
                text.contains(expected),
                "{expected:?} missing from {text:?}"
            );
        }
        assert!(
            texts.windows(2).all(|w| w[0] == w[1]),
            "same image, same text: {texts:?}"
        );
    }
}

#[test]
fn a_queued_job_can_be_cancelled_and_the_others_finish() {
    if rerun_with_thread_limit("a_queued_job_can_be_cancelled_and_the_others_finish") {
        return;
    }
    let pool = tesseract_pool(config(1, 8)).unwrap();
    let (progress_tx, progress_rx) = mpsc::sync_channel::<OcrProgress>(64);
    let report: ocrchat::ocr::ProgressFn = Arc::new(move |progress| {
        progress_tx.try_send(progress).ok();
    });
    // One worker: the first (large) job keeps it busy, so the second is still queued.
    let first = pool
        .submit(request("screen_en.png", "eng"), Some(report))
        .unwrap();
    let second = pool.submit(request("dark_en.png", "eng"), None).unwrap();
    let third = pool.submit(request("small_en.png", "eng"), None).unwrap();
    second.cancel();
    let first_id = first.id();
    assert!(first.wait().is_ok(), "the running job finishes");
    let err = second.wait().unwrap_err();
    assert!(matches!(err, OcrError::Cancelled { .. }), "{err}");
    assert!(
        err.to_string().contains("dark_en.png was cancelled"),
        "{err}"
    );
    assert!(
        third.wait().unwrap().text.contains("Recent documents"),
        "the job after it still runs"
    );

    let stages: Vec<OcrStage> = progress_rx
        .try_iter()
        .filter(|p| p.job == first_id)
        .map(|p| p.stage)
        .collect();
    assert_eq!(stages.first(), Some(&OcrStage::Started), "{stages:?}");
    assert!(
        matches!(stages.get(1), Some(OcrStage::Decoded { pages: 1 })),
        "{stages:?}"
    );
    assert!(
        stages
            .iter()
            .any(|s| matches!(s, OcrStage::Recognized { done, total } if done == total)),
        "{stages:?}"
    );
    assert_eq!(stages.last(), Some(&OcrStage::Finished), "{stages:?}");
}

#[test]
fn a_full_queue_refuses_try_submit() {
    if rerun_with_thread_limit("a_full_queue_refuses_try_submit") {
        return;
    }
    let pool = tesseract_pool(config(1, 1)).unwrap();
    let results: Vec<_> = (0..3)
        .map(|_| pool.try_submit(request("screen_en.png", "eng"), None))
        .collect();
    let refused = results
        .iter()
        .filter(|r| matches!(r, Err(OcrError::QueueFull { capacity: 1 })))
        .count();
    assert!(refused >= 1, "one running, one queued, the third refused");
    for handle in results.into_iter().flatten() {
        handle.cancel();
    }
}

#[test]
fn pasted_pixels_are_read_without_a_file() {
    if rerun_with_thread_limit("pasted_pixels_are_read_without_a_file") {
        return;
    }
    let pool = tesseract_pool(config(1, 4)).unwrap();
    let image = image::open(fixture_path("dark_en.png")).unwrap();
    let request = OcrRequest {
        source: OcrSource::Pixels {
            name: "pasted image".to_owned(),
            image: Arc::new(image),
        },
        languages: LanguageSpec::parse("eng").unwrap(),
    };
    let result = pool.submit(request, None).unwrap().wait().unwrap();
    assert!(
        result.text.contains("Build finished in 42 seconds"),
        "{}",
        result.text
    );
}
