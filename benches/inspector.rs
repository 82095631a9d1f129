//! Frame cost of the OCR inspector (issue 11): a 4000×3000 scan with 2,000 word boxes, panned
//! by a drag on every frame, against the same scan with no boxes, measured in the same run.
//!
//! Run with `cargo bench --bench inspector`. Method:
//!
//! - The real [`Inspector`] window is opened on a synthetic page: a 4000×3000 image (shown as
//!   a texture of at most 8 MP, as the core makes it) and an OCR result of 100 lines of 20
//!   words, each with a box and a confidence from 40% to 99%, so the threshold marks some.
//! - It runs headless in `egui_kittest` (no GPU: a frame is the inspector's logic and layout,
//!   egui's bookkeeping and tessellation-free output, not painting), 1100×760 points.
//! - **fit**: the whole page in view, so all 2,000 boxes are drawn, while the pointer drags
//!   the image 12 points left and right on alternate frames. **zoomed**: the same at 100%,
//!   where only the boxes in view are drawn. **baseline**: the fit scenario with no words.
//! - Each scenario runs [`FRAMES`] measured frames after [`WARMUP`] unmeasured ones; the time
//!   of `Harness::step` is recorded per frame; p50/p99 are printed with each scenario's ratio
//!   to the baseline's.
//!
//! Figures are printed, never asserted.

#![expect(
    clippy::expect_used,
    clippy::format_push_string,
    clippy::let_underscore_must_use,
    clippy::match_wild_err_arm,
    clippy::missing_assert_message,
    clippy::print_stdout,
    clippy::unwrap_used,
    reason = "a benchmark prints its figures and fails loudly on a broken setup"
)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::Instant;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use ocrchat::core::{
    AttachmentId, Command, InspectImage, InspectTarget, Inspection, InspectorEvent,
};
use ocrchat::domain::{OcrBlock, OcrBox, OcrLine, OcrPage, OcrResult, OcrWord};
use ocrchat::ui::attachments::ComposerAttachments;
use ocrchat::ui::inspector::Inspector;
use ocrchat::ui::strings::Lang;
use support::percentile;

/// Measured frames per scenario.
const FRAMES: usize = 400;
/// Unmeasured frames before each scenario.
const WARMUP: usize = 40;
const WIDTH: u32 = 4000;
const HEIGHT: u32 = 3000;

/// 100 lines of 20 words over the page.
fn page(lines: usize) -> OcrResult {
    let mut page = OcrPage {
        width: WIDTH,
        height: HEIGHT,
        blocks: Vec::new(),
    };
    let mut block = OcrBlock::default();
    for row in 0..lines {
        let mut line = OcrLine::default();
        for column in 0..20_u32 {
            let index = row as u32 * 20 + column;
            let word = OcrWord {
                text: format!("w{index}"),
                bbox: OcrBox {
                    left: 100 + column * 190,
                    top: 60 + row as u32 * 29,
                    width: 170,
                    height: 22,
                },
                confidence: 40.0 + (index * 37 % 60) as f32,
            };
            line.bbox = line.bbox.union(word.bbox);
            line.words.push(word);
        }
        line.text = line
            .words
            .iter()
            .map(|w| w.text.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        block.bbox = block.bbox.union(line.bbox);
        block.lines.push(line);
    }
    page.blocks.push(block);
    OcrResult {
        text: page.text(),
        pages: vec![page],
        language: "eng".into(),
        engine: "synthetic".into(),
        ..OcrResult::default()
    }
}

struct Scene {
    inspector: Inspector,
    attachments: ComposerAttachments,
}

fn open(lines: usize) -> Harness<'static, Scene> {
    let image = image::DynamicImage::ImageRgb8(image::RgbImage::from_fn(WIDTH, HEIGHT, |x, y| {
        let shade = if (x / 40 + y / 29) % 7 == 0 { 60 } else { 235 };
        image::Rgb([shade, shade, shade])
    }));
    let inspection = Inspection {
        target: InspectTarget::Composer(AttachmentId(1)),
        file_name: "scan.png".into(),
        image: InspectImage::of(&image),
        ocr: page(lines),
        sent_text: None,
        languages: vec!["eng".into()],
        suggested_path: "scan.txt".into(),
    };
    let mut scene = Scene {
        inspector: Inspector::default(),
        attachments: ComposerAttachments::default(),
    };
    scene.inspector.on_event(
        InspectorEvent::Opened(Box::new(inspection)),
        &mut scene.attachments,
    );
    let mut harness = Harness::builder()
        .with_size([1100.0, 760.0])
        .build_ui_state(
            |ui, scene: &mut Scene| {
                let mut commands: Vec<Command> = Vec::new();
                let s = Lang::En.strings();
                scene
                    .inspector
                    .ui(ui.ctx(), s, &mut scene.attachments, &mut commands);
            },
            scene,
        );
    harness.run_steps(3);
    harness
}

/// Frame times in microseconds while dragging the image left and right.
fn panning(harness: &mut Harness<'_, Scene>) -> Vec<f64> {
    let canvas = harness.state().inspector.canvas_rect().unwrap();
    let centre = canvas.center();
    harness.event(egui::Event::PointerMoved(centre));
    harness.step();
    harness.event(egui::Event::PointerButton {
        pos: centre,
        button: egui::PointerButton::Primary,
        pressed: true,
        modifiers: egui::Modifiers::NONE,
    });
    harness.step();
    let mut samples = Vec::with_capacity(FRAMES);
    for frame in 0..WARMUP + FRAMES {
        let dx = if frame % 2 == 0 { 12.0 } else { -12.0 };
        harness.event(egui::Event::PointerMoved(centre + egui::vec2(dx, 0.0)));
        let start = Instant::now();
        harness.step();
        if frame >= WARMUP {
            samples.push(start.elapsed().as_secs_f64() * 1e6);
        }
    }
    harness.event(egui::Event::PointerButton {
        pos: centre,
        button: egui::PointerButton::Primary,
        pressed: false,
        modifiers: egui::Modifiers::NONE,
    });
    harness.step();
    samples
}

fn main() {
    let mut baseline = open(0);
    let base = panning(&mut baseline);
    let mut fit = open(100);
    let drawn_fit = fit.state().inspector.drawn_boxes().len();
    let all = panning(&mut fit);
    fit.get_by_label("100%").click();
    fit.run_steps(2);
    let drawn_zoomed = fit.state().inspector.drawn_boxes().len();
    let zoomed = panning(&mut fit);

    let (base50, base99) = (percentile(&base, 0.5), percentile(&base, 0.99));
    println!("inspector frame logic, 4000×3000 scan, {FRAMES} frames per scenario (µs)");
    println!("scenario                 boxes drawn     p50     p99   p50 ratio  p99 ratio");
    println!(
        "baseline (no words)      {:>11} {base50:>7.0} {base99:>7.0}   {:>8.2}  {:>9.2}",
        0, 1.0, 1.0
    );
    for (name, drawn, samples) in [
        ("fit, 2,000 words", drawn_fit, &all),
        ("100%, 2,000 words", drawn_zoomed, &zoomed),
    ] {
        let (p50, p99) = (percentile(samples, 0.5), percentile(samples, 0.99));
        println!(
            "{name:<24} {drawn:>11} {p50:>7.0} {p99:>7.0}   {:>8.2}  {:>9.2}",
            p50 / base50,
            p99 / base99
        );
    }
}
