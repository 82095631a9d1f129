//! `ocrchat ocr` as a user runs it (the built binary, real libtesseract): every kind of bad
//! input gets its own one-line message on stderr and never a panic, the other files are still
//! read, the exit code says what happened, and every supported format (16-bit, CMYK, WebP, BMP,
//! GIF, multi-page TIFF) is read. JSON carries words with boxes and confidences.

#![expect(
    clippy::unwrap_used,
    reason = "tests, benchmarks and examples fail loudly on a broken fixture and print their figures"
)]
mod ocr_support;

use std::path::Path;
use std::process::{Command, Output};

use ocr_support::fixture_path;

fn ocrchat_ocr(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ocrchat"))
        .arg("ocr")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0_u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn chunk(kind: [u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = (data.len() as u32).to_be_bytes().to_vec();
    let mut body = kind.to_vec();
    body.extend_from_slice(data);
    out.extend_from_slice(&body);
    out.extend_from_slice(&crc32(&body).to_be_bytes());
    out
}

/// A PNG whose header declares `width`×`height` (8-bit gray), with `idat_bytes` of filler data.
fn png_header_only(width: u32, height: u32, idat_bytes: usize) -> Vec<u8> {
    let mut ihdr = width.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(chunk(*b"IHDR", &ihdr));
    png.extend(chunk(*b"IDAT", &vec![0; idat_bytes]));
    png.extend(chunk(*b"IEND", &[]));
    png
}

fn write_png(path: &Path, image: &image::GrayImage) {
    image
        .save_with_format(path, image::ImageFormat::Png)
        .unwrap();
}

#[test]
fn every_bad_input_gets_its_own_message_and_the_good_file_is_still_read() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let good = std::fs::read(fixture_path("dark_en.png")).unwrap();
    std::fs::write(d.join("empty.png"), b"").unwrap();
    std::fs::write(d.join("notes.png"), "meeting notes, not a picture\n").unwrap();
    std::fs::write(d.join("cut.png"), &good[..good.len() / 2]).unwrap();
    let mut corrupt = good.clone();
    let middle = corrupt.len() / 2;
    for byte in &mut corrupt[middle..middle + 64] {
        *byte ^= 0x5A;
    }
    std::fs::write(d.join("corrupt.png"), corrupt).unwrap();
    std::fs::write(d.join("huge.png"), png_header_only(12_000, 9_000, 400_000)).unwrap();
    std::fs::write(d.join("bomb.png"), png_header_only(50_000, 50_000, 16)).unwrap();
    write_png(
        &d.join("dot.png"),
        &image::GrayImage::from_pixel(1, 1, image::Luma([0])),
    );
    write_png(
        &d.join("blank.png"),
        &image::GrayImage::from_pixel(300, 200, image::Luma([255])),
    );
    std::fs::write(d.join("good.png"), &good).unwrap();

    let files = [
        "empty.png",
        "notes.png",
        "cut.png",
        "corrupt.png",
        "huge.png",
        "bomb.png",
        "dot.png",
        "missing.png",
        "good.png",
        "blank.png",
    ];
    let output = ocrchat_ocr(d, &files);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(2),
        "a failed file exits 2\n{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        stdout.contains("==> good.png <==\nSettings saved."),
        "the good file is read:\n{stdout}"
    );
    let lines: Vec<&str> = stderr.lines().collect();
    let expected = [
        ("empty.png", "empty.png is empty (0 bytes)"),
        (
            "notes.png",
            "notes.png is not an image: its contents look like text",
        ),
        (
            "cut.png",
            "cut.png is cut short: its PNG data ends before the image does",
        ),
        ("corrupt.png", "corrupt.png is a damaged PNG file"),
        (
            "huge.png",
            "huge.png is 12000×9000 pixels (108 megapixels), over the 100-megapixel limit",
        ),
        ("bomb.png", "bomb.png declares 50000×50000 pixels in only"),
        (
            "dot.png",
            "dot.png is only 1×1 pixels, too small to hold readable text",
        ),
        ("missing.png", "could not read missing.png"),
        (
            "blank.png",
            "No text found in blank.png. It can still be sent to a vision model",
        ),
    ];
    for (file, message) in expected {
        let mine: Vec<_> = lines.iter().filter(|line| line.contains(file)).collect();
        assert_eq!(mine.len(), 1, "one line for {file}:\n{stderr}");
        assert!(
            mine[0].starts_with("ocrchat: ") && mine[0].contains(message),
            "{file}: {}",
            mine[0]
        );
    }
    assert_eq!(
        lines.len(),
        expected.len(),
        "nothing else on stderr:\n{stderr}"
    );
}

#[test]
fn no_text_alone_exits_1_and_success_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    write_png(
        &dir.path().join("blank.png"),
        &image::GrayImage::from_pixel(300, 200, image::Luma([255])),
    );
    let output = ocrchat_ocr(dir.path(), &["blank.png"]);
    assert_eq!(output.status.code(), Some(1), "no text is 'no result'");
    let fixture = fixture_path("small_en.png");
    let output = ocrchat_ocr(dir.path(), &[fixture.to_str().unwrap()]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        String::from_utf8_lossy(&output.stdout).starts_with("File Edit View Window Help\n"),
        "one file: no header"
    );
}

#[test]
fn every_supported_format_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let formats = [
        "gray16.png",
        "cmyk.jpg",
        "page.webp",
        "page.bmp",
        "anim.gif",
        "two_pages.tif",
    ];
    let paths: Vec<String> = formats
        .iter()
        .map(|f| fixture_path(&format!("formats/{f}")).display().to_string())
        .collect();
    let args: Vec<&str> = ["--format", "json"]
        .into_iter()
        .chain(paths.iter().map(String::as_str))
        .collect();
    let output = ocrchat_ocr(dir.path(), &args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let results: Vec<serde_json::Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(results.len(), formats.len(), "one JSON object per file");
    for (result, format) in results.iter().zip(formats) {
        let text = result["text"].as_str().unwrap();
        assert!(
            text.contains("The committee met on Tuesday"),
            "{format}: {text}"
        );
        let pages = result["pages"].as_array().unwrap().len();
        let expected_pages = if format == "two_pages.tif" { 2 } else { 1 };
        assert_eq!(pages, expected_pages, "{format}: pages");
    }
    let tiff = &results[5]["text"].as_str().unwrap();
    assert!(
        tiff.contains("Recent documents are listed"),
        "the second TIFF page is read too: {tiff}"
    );
}

#[test]
fn json_has_words_with_boxes_confidences_lines_and_timing() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = fixture_path("dark_en.png");
    let output = ocrchat_ocr(dir.path(), &["--format", "json", fixture.to_str().unwrap()]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let result: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(result["file"], fixture.to_str().unwrap(), "file named");
    assert_eq!(result["language"], "eng", "language");
    assert_eq!(result["engine"], "tesseract", "engine");
    assert!(
        result["mean_confidence"].as_f64().unwrap() > 80.0,
        "{}",
        result["mean_confidence"]
    );
    assert!(result["timing"]["total_ms"].as_u64().is_some(), "timing");
    let line = &result["pages"][0]["blocks"][0]["lines"][0];
    assert!(
        line["text"]
            .as_str()
            .unwrap()
            .starts_with("Settings saved."),
        "{line}"
    );
    let word = &line["words"][0];
    assert_eq!(word["text"], "Settings", "{word}");
    // The text starts 28 px in (the border), in the image's own pixels (not the 2x scaled ones).
    let left = word["box"]["left"].as_u64().unwrap();
    assert!((24..=32).contains(&left), "box left {left}");
    assert!(word["box"]["width"].as_u64().unwrap() > 20, "{word}");
    assert!(word["confidence"].as_f64().unwrap() > 50.0, "{word}");
}

#[test]
fn tsv_has_one_row_per_word() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = fixture_path("small_en.png");
    let output = ocrchat_ocr(dir.path(), &["--format", "tsv", fixture.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let mut rows = stdout.lines();
    assert_eq!(
        rows.next(),
        Some("file\tpage\tblock\tline\tword\tleft\ttop\twidth\theight\tconf\ttext"),
        "header"
    );
    let first: Vec<&str> = rows.next().unwrap().split('\t').collect();
    assert_eq!(first.len(), 11, "{first:?}");
    assert_eq!(first[10], "File", "{first:?}");
}

#[test]
fn a_missing_language_names_its_package() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = fixture_path("small_en.png");
    let output = ocrchat_ocr(
        dir.path(),
        &["--lang", "eng+fra", fixture.to_str().unwrap()],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("`fra` is not installed")
            && stderr.contains("sudo apt-get install tesseract-ocr-fra"),
        "{stderr}"
    );
    let output = ocrchat_ocr(dir.path(), &["--lang", "../eng", fixture.to_str().unwrap()]);
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("is not an OCR language list"),
        "path refused"
    );
}

#[cfg(not(feature = "ppocr"))]
#[test]
fn without_the_ppocr_feature_ppocr_is_refused_by_name_and_automatic_reads_with_tesseract() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = fixture_path("small_en.png");
    let file = fixture.to_str().unwrap();
    let refused = ocrchat_ocr(dir.path(), &["--engine", "ppocr", file]);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("cargo build --release --features ppocr"),
        "{stderr}"
    );
    assert!(refused.stdout.is_empty(), "nothing read");
    let auto = ocrchat_ocr(dir.path(), &["--engine", "auto", "--format", "json", file]);
    let stdout = String::from_utf8_lossy(&auto.stdout);
    assert_eq!(
        auto.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&auto.stderr)
    );
    let json: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(json["engine"], "tesseract", "{stdout}");
}
