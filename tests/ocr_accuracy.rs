//! OCR accuracy on the rendered fixtures (English and Chinese: dark mode, 12 px UI text, a page
//! photo turned by EXIF, two columns, a chat, a 1080p screenshot) through the real pool and real
//! libtesseract: the character error rate stays under each fixture's threshold, and boxes are
//! in the picture's own (EXIF-turned) pixels.

mod ocr_support;

use ocr_support::{FIXTURES, rerun_with_thread_limit};
use ocrchat::ocr::{LanguageSpec, OcrPoolConfig, OcrRequest, OcrSource, tesseract_pool};

#[test]
fn every_fixture_reads_under_its_cer_threshold() {
    if rerun_with_thread_limit("every_fixture_reads_under_its_cer_threshold") {
        return;
    }
    let pool = tesseract_pool(OcrPoolConfig::default()).unwrap();
    let jobs: Vec<_> = FIXTURES
        .iter()
        .map(|fixture| {
            let request = OcrRequest {
                source: OcrSource::File(fixture.path()),
                languages: LanguageSpec::parse(fixture.lang).unwrap(),
            };
            (fixture, pool.submit(request, None).unwrap())
        })
        .collect();
    let mut failures = Vec::new();
    for (fixture, job) in jobs {
        let result = job.wait().unwrap();
        let cer = fixture.cer(&result.text);
        eprintln!("{:16} CER {cer:.3} (max {})", fixture.file, fixture.max_cer);
        if cer > fixture.max_cer {
            failures.push(format!(
                "{}: CER {cer:.3} > {}\n{}",
                fixture.file, fixture.max_cer, result.text
            ));
        }
        let page = &result.pages[0];
        for word in result.words() {
            let b = word.bbox;
            assert!(
                b.left + b.width <= page.width && b.top + b.height <= page.height,
                "{}: box {b:?} outside the {}×{} page",
                fixture.file,
                page.width,
                page.height
            );
            assert!(
                (0.0..=100.0).contains(&word.confidence),
                "confidence {}",
                word.confidence
            );
        }
        assert!(
            result.mean_confidence.is_some_and(|c| c > 50.0),
            "{}: {:?}",
            fixture.file,
            result.mean_confidence
        );
        assert_eq!(result.language, fixture.lang, "language recorded");
        assert_eq!(result.engine, "tesseract", "engine recorded");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn exif_orientation_is_applied_before_reading() {
    if rerun_with_thread_limit("exif_orientation_is_applied_before_reading") {
        return;
    }
    let pool = tesseract_pool(OcrPoolConfig::default()).unwrap();
    let request = OcrRequest {
        source: OcrSource::File(ocr_support::fixture_path("photo_en.jpg")),
        languages: LanguageSpec::parse("eng").unwrap(),
    };
    let result = pool.submit(request, None).unwrap().wait().unwrap();
    let page = &result.pages[0];
    // Stored 331×745 (turned), shown 745×331.
    assert_eq!(
        (page.width, page.height),
        (745, 331),
        "page in the orientation the user sees"
    );
    let first = &page.blocks[0].lines[0];
    assert_eq!(first.text, "Chapter Three", "first line");
    assert!(
        first.bbox.top < 100 && first.bbox.left < 100,
        "top-left of the upright page: {:?}",
        first.bbox
    );
}

#[test]
fn chinese_output_has_no_spaces_between_characters() {
    if rerun_with_thread_limit("chinese_output_has_no_spaces_between_characters") {
        return;
    }
    let pool = tesseract_pool(OcrPoolConfig::default()).unwrap();
    let request = OcrRequest {
        source: OcrSource::File(ocr_support::fixture_path("columns_zh.png")),
        languages: LanguageSpec::parse("chi_sim").unwrap(),
    };
    let result = pool.submit(request, None).unwrap().wait().unwrap();
    assert!(
        result.text.contains("会于星期二召开会议"),
        "{}",
        result.text
    );
    let cjk_space =
        result.text.chars().collect::<Vec<_>>().windows(3).any(|w| {
            w[1] == ' ' && ocrchat::ocr::tsv::is_cjk(w[0]) && ocrchat::ocr::tsv::is_cjk(w[2])
        });
    assert!(
        !cjk_space,
        "a space between two CJK characters: {}",
        result.text
    );
}
