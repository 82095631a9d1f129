//! Screen capture in the window (issue 11): the Capture button and the global hotkeys start a
//! grab on a thread of its own; the grabbed monitor is shown frozen in a borderless viewport
//! over it (`capture_overlay.rs`), and the confirmed region becomes image data for
//! `Command::AttachImage`, optionally with a "capture and ask" question to send once it is
//! read. One capture at a time: another request while one is open is refused with a notice.
//!
//! The one seam is [`CaptureUi`]: `request` starts a capture, `ui` runs it each frame.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, TryRecvError, sync_channel};

use crate::capture::{
    self, CaptureError, Hotkey, HotkeyEvent, HotkeyStatus, Hotkeys, Screenshot, Unavailable,
};
use crate::config::CaptureSettings;
use crate::core::PastedImage;

use super::capture_overlay::{FrozenScreen, OverlayKey, OverlayOutcome};
use super::strings::{CaptureStrings, Strings};

/// What a finished capture gives the window.
#[derive(Debug)]
pub struct Captured {
    /// The region's pixels, for `Command::AttachImage`.
    pub image: PastedImage,
    /// A "capture and ask" question to send as soon as the image is read.
    pub ask: Option<String>,
}

/// Whether the hotkeys work, as Settings shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HotkeysState {
    /// Not started yet (the first frame starts them).
    NotStarted,
    /// Capture cannot work in this session.
    Unavailable(Unavailable),
    /// The listener could not start.
    Failed(String),
    /// Waiting for the listener to bind them.
    Binding,
    /// Bound (or not) as reported.
    Bound {
        /// The capture hotkey.
        capture: HotkeyStatus,
        /// The capture-and-ask hotkey.
        ask: HotkeyStatus,
    },
}

enum Phase {
    Idle,
    /// The grab runs on `ocrchat-capture`.
    Grabbing {
        result: Receiver<Result<(Screenshot, egui::ColorImage), CaptureError>>,
        ask: Option<String>,
    },
    Frozen(Box<FrozenScreen>),
}

/// The capture controller the App owns.
pub struct CaptureUi {
    phase: Phase,
    hotkeys: Option<Hotkeys>,
    hotkey_events: Option<Receiver<HotkeyEvent>>,
    hotkeys_state: HotkeysState,
    /// The settings the hotkeys were last bound with.
    bound: Option<CaptureSettings>,
    /// Why the last request was refused or failed (shown under the composer).
    notice: Option<String>,
    /// The Settings form, while it differs from the saved settings.
    pub(super) settings_form: Option<CaptureSettings>,
    /// Enter or Esc heard by the hotkey listener, for the overlay's next frame.
    heard: Option<OverlayKey>,
}

impl Default for CaptureUi {
    fn default() -> Self {
        Self {
            phase: Phase::Idle,
            hotkeys: None,
            hotkey_events: None,
            hotkeys_state: HotkeysState::NotStarted,
            bound: None,
            notice: None,
            settings_form: None,
            heard: None,
        }
    }
}

impl CaptureUi {
    /// Whether a capture is being grabbed or shown.
    pub fn is_open(&self) -> bool {
        !matches!(self.phase, Phase::Idle)
    }

    /// Why the last capture was refused or failed.
    pub fn notice(&self) -> Option<&str> {
        self.notice.as_deref()
    }

    /// Whether the hotkeys work.
    pub fn hotkeys_state(&self) -> &HotkeysState {
        &self.hotkeys_state
    }

    /// Starts a capture (`ask`: the question to send with it), or refuses while one is open.
    pub fn request(&mut self, ctx: &egui::Context, s: &CaptureStrings, ask: Option<String>) {
        if self.is_open() {
            self.notice = Some(s.busy.to_owned());
            return;
        }
        self.notice = None;
        let (tx, result) = sync_channel(1);
        let waker = ctx.clone();
        let spawned = std::thread::Builder::new()
            .name("ocrchat-capture".into())
            .spawn(move || {
                let grabbed = capture::grab_monitor_under_pointer().map(|shot| {
                    let size = [shot.width as usize, shot.height as usize];
                    let image = egui::ColorImage::from_rgba_unmultiplied(size, &shot.rgba);
                    (shot, image)
                });
                tx.try_send(grabbed).ok();
                waker.request_repaint();
            });
        match spawned {
            Ok(_) => self.phase = Phase::Grabbing { result, ask },
            Err(err) => self.notice = Some(s.failed.replace("{reason}", &err.to_string())),
        }
    }

    /// Hears the hotkeys and takes a finished grab. Runs in `App::logic`, which eframe calls
    /// even while the window is minimized; its `ui` (and so the overlay) then does not run,
    /// so a frozen screen restores the window (the grab is already taken without it).
    pub fn logic(&mut self, ctx: &egui::Context, s: &Strings, settings: &CaptureSettings) {
        self.keep_hotkeys_bound(ctx, settings);
        while let Some(event) = self
            .hotkey_events
            .as_ref()
            .and_then(|rx| rx.try_recv().ok())
        {
            match event {
                HotkeyEvent::Capture => self.request(ctx, &s.capture, None),
                HotkeyEvent::Ask => {
                    let question = ask_question(s, settings, settings.ask_question);
                    self.request(ctx, &s.capture, Some(question));
                }
                HotkeyEvent::Confirm => self.heard = Some(OverlayKey::Confirm),
                HotkeyEvent::Cancel => self.heard = Some(OverlayKey::Cancel),
                HotkeyEvent::Status { capture, ask } => {
                    self.hotkeys_state = HotkeysState::Bound { capture, ask };
                }
            }
        }
        if let Phase::Grabbing { result, ask } = &mut self.phase {
            match result.try_recv() {
                Ok(Ok((shot, image))) => {
                    let frozen = FrozenScreen::new(ctx, shot, image, ask.take());
                    self.phase = Phase::Frozen(Box::new(frozen));
                    self.overlay_keys(true);
                    if ctx.input(|i| i.viewport().minimized == Some(true)) {
                        ctx.send_viewport_cmd_to(
                            egui::ViewportId::ROOT,
                            egui::ViewportCommand::Minimized(false),
                        );
                    }
                    ctx.request_repaint();
                }
                Ok(Err(err)) => {
                    self.notice = Some(s.capture.failed.replace("{reason}", &err.to_string()));
                    self.phase = Phase::Idle;
                }
                Err(TryRecvError::Empty) => {}
                Err(TryRecvError::Disconnected) => self.phase = Phase::Idle,
            }
        }
    }

    /// Shows the frozen screen while a capture is open; returns the confirmed region.
    pub fn ui(&mut self, ctx: &egui::Context, s: &Strings) -> Option<Captured> {
        let heard = self.heard.take();
        let Phase::Frozen(frozen) = &mut self.phase else {
            return None;
        };
        let outcome = frozen.show(ctx, &s.capture, heard);
        let captured = match outcome {
            OverlayOutcome::Open => return None,
            OverlayOutcome::Cancelled => None,
            OverlayOutcome::Confirmed(captured) => Some(captured),
        };
        self.phase = Phase::Idle;
        self.overlay_keys(false);
        // Back to the window, where the composer takes the cursor.
        ctx.send_viewport_cmd_to(egui::ViewportId::ROOT, egui::ViewportCommand::Focus);
        captured
    }

    fn overlay_keys(&self, on: bool) {
        if let Some(hotkeys) = &self.hotkeys {
            hotkeys.overlay_keys(on);
        }
    }

    /// Starts the listener once, in a real window (not in tests that embed viewports), and
    /// binds the hotkeys again whenever the settings change.
    fn keep_hotkeys_bound(&mut self, ctx: &egui::Context, settings: &CaptureSettings) {
        if self.hotkeys_state == HotkeysState::NotStarted {
            if ctx.embed_viewports() {
                return;
            }
            let (tx, rx) = sync_channel(16);
            let waker = ctx.clone();
            match Hotkeys::start(tx, Arc::new(move || waker.request_repaint())) {
                Ok(hotkeys) => {
                    self.hotkeys = Some(hotkeys);
                    self.hotkey_events = Some(rx);
                    self.hotkeys_state = HotkeysState::Binding;
                }
                Err(CaptureError::Unavailable(why)) => {
                    self.hotkeys_state = HotkeysState::Unavailable(why);
                }
                Err(err) => self.hotkeys_state = HotkeysState::Failed(err.to_string()),
            }
        }
        let Some(hotkeys) = &self.hotkeys else {
            return;
        };
        if self.bound.as_ref() != Some(settings) {
            let parse = |text: &str| Hotkey::parse(text).ok();
            hotkeys.bind(parse(&settings.hotkey), parse(&settings.ask_hotkey));
            self.bound = Some(settings.clone());
            self.hotkeys_state = HotkeysState::Binding;
        }
    }
}

/// The "capture and ask" question at `index`: the user's, else the default in the window's
/// language.
pub fn ask_question(s: &Strings, settings: &CaptureSettings, index: usize) -> String {
    let index = index.min(s.capture.default_questions.len() - 1);
    settings
        .custom_question(index)
        .unwrap_or(s.capture.default_questions[index])
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::ask_question;
    use crate::config::CaptureSettings;
    use crate::ui::strings::Lang;

    /// The defaults follow the window's language; a question the user wrote wins.
    #[test]
    fn ask_questions_default_to_the_interface_language() {
        let mut settings = CaptureSettings::default();
        let en = Lang::En.strings();
        let zh = Lang::Zh.strings();
        assert_eq!(
            ask_question(en, &settings, 0),
            "Translate this into Chinese"
        );
        assert_eq!(ask_question(zh, &settings, 1), "把这段翻译成英文");
        assert_eq!(ask_question(en, &settings, 2), "Explain this");
        assert_eq!(ask_question(en, &settings, 9), "Explain this", "clamped");
        settings.questions[2] = "  Summarise this  ".into();
        assert_eq!(ask_question(zh, &settings, 2), "Summarise this");
    }
}
