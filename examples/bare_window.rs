//! The start-up benchmark's baseline: an eframe window with one label and nothing else, built
//! with the same eframe features, window size and renderer as ocrchat.
//!
//! `scripts/bench-startup.sh` runs it next to ocrchat. Like the app, when
//! `OCRCHAT_FIRST_FRAME_FILE` is set it writes that file at the end of its first `ui` pass, so
//! both programs' "first frame" is measured at the same point.

#![expect(
    clippy::let_underscore_must_use,
    reason = "tests, benchmarks and examples fail loudly on a broken fixture and print their figures"
)]
use eframe::egui;

/// The same variable the app reads.
const FIRST_FRAME_ENV: &str = "OCRCHAT_FIRST_FRAME_FILE";

struct Bare {
    first_frame_file: Option<std::path::PathBuf>,
}

impl eframe::App for Bare {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        egui::CentralPanel::default().show(ui, |ui| {
            ui.label("bare");
        });
        if let Some(path) = self.first_frame_file.take() {
            let _ = std::fs::write(path, b"first frame\n");
        }
    }
}

fn main() -> eframe::Result {
    let options = eframe::NativeOptions {
        // The app's window size, so both render the same number of pixels.
        viewport: egui::ViewportBuilder::default()
            .with_title("bare")
            .with_inner_size([1100.0, 760.0]),
        persist_window: false,
        ..Default::default()
    };
    eframe::run_native(
        "bare",
        options,
        Box::new(|_cc| {
            Ok(Box::new(Bare {
                first_frame_file: std::env::var_os(FIRST_FRAME_ENV).map(Into::into),
            }))
        }),
    )
}
