//! The OCR inspector (issue 11): one attachment's image with every word's box over it, tinted
//! by confidence, beside the text as read. Words under a threshold stand out and Tab steps
//! through them; a word is corrected in place (the composer attachment's text follows); a
//! dragged region is read again at a higher resolution; the text is copied or saved; the image
//! is turned or read in another language. A sent message's attachment opens read-only with
//! the exact text that went to the model. [`Inspector`] is the one seam the window uses; all
//! work (decoding, OCR, writing) is the core's ([`crate::core::InspectRequest`]).

mod canvas;
pub mod doc;
mod editing;
mod text_ui;
mod tiles;
mod toolbar;
pub mod view;

use crate::core::{
    AttachmentId, Command, InspectImage, InspectRequest, InspectTarget, Inspection, InspectorEvent,
};
use crate::domain::OcrBox;

use super::attachments::ComposerAttachments;
use super::strings::Strings;
use canvas::{Canvas, CanvasFrame};
use doc::InspectorDoc;

/// Words under this confidence stand out until the slider moves.
pub const DEFAULT_THRESHOLD: f32 = 80.0;

/// The inspector window: closed, or one attachment open.
#[derive(Default)]
pub struct Inspector {
    open: Option<Box<Open>>,
    /// The last failure or "saved to …", shown in the window (or, when closed, returned once).
    notice: Option<String>,
}

impl std::fmt::Debug for Inspector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inspector")
            .field("open", &self.open.as_ref().map(|o| &o.file_name))
            .finish_non_exhaustive()
    }
}

/// One open attachment.
#[expect(
    clippy::struct_excessive_bools,
    reason = "independent flags (tool on, a re-read running, focus and scroll once), each set in one place"
)]
struct Open {
    target: InspectTarget,
    file_name: String,
    /// The picture until it is uploaded.
    image: Option<InspectImage>,
    tiles: Vec<tiles::Tile>,
    image_size: egui::Vec2,
    doc: InspectorDoc,
    sent_text: Option<String>,
    languages: Vec<String>,
    language: String,
    threshold: f32,
    /// The word under the pointer (text or image), this frame.
    hovered: Option<usize>,
    selected: Option<usize>,
    correction: String,
    focus_correction: bool,
    scroll_to_selected: bool,
    region_tool: bool,
    canvas: Canvas,
    save_path: String,
    /// A re-read is running.
    reading: bool,
}

impl Inspector {
    /// Whether an attachment is open.
    #[must_use]
    pub fn is_open(&self) -> bool {
        self.open.is_some()
    }

    /// Whether the open attachment is a sent one (read-only).
    #[must_use]
    pub fn is_read_only(&self) -> bool {
        self.open.as_ref().is_some_and(|o| o.sent_text.is_some())
    }

    /// The words, boxes and corrections (tests read them back).
    #[must_use]
    pub fn doc(&self) -> Option<&InspectorDoc> {
        self.open.as_ref().map(|o| &o.doc)
    }

    /// The boxes drawn last frame: word index and screen rectangle (only those in view).
    #[must_use]
    pub fn drawn_boxes(&self) -> &[(usize, egui::Rect)] {
        self.open.as_ref().map_or(&[], |o| &o.canvas.drawn)
    }

    /// Where an image box is on the screen now.
    #[must_use]
    pub fn screen_rect(&self, b: OcrBox) -> Option<egui::Rect> {
        let open = self.open.as_ref()?;
        Some(open.canvas.view.box_rect(open.canvas.rect, b))
    }

    /// The image's size in pixels (the boxes' space).
    #[must_use]
    pub fn image_size(&self) -> Option<egui::Vec2> {
        self.open.as_ref().map(|o| o.image_size)
    }

    /// The OCR language a re-read or region uses.
    #[must_use]
    pub fn language(&self) -> Option<&str> {
        self.open.as_ref().map(|o| o.language.as_str())
    }

    /// The canvas's rectangle when last drawn.
    #[must_use]
    pub fn canvas_rect(&self) -> Option<egui::Rect> {
        self.open.as_ref().map(|o| o.canvas.rect)
    }

    /// The word whose box is highlighted (hovered in the text or on the image, or selected).
    #[must_use]
    pub fn highlighted(&self) -> Option<usize> {
        let open = self.open.as_ref()?;
        open.hovered.or(open.selected)
    }

    /// The selected word.
    #[must_use]
    pub fn selected(&self) -> Option<usize> {
        self.open.as_ref()?.selected
    }

    /// How many sent words are under the threshold, and the threshold.
    #[must_use]
    pub fn low_confidence(&self) -> Option<(usize, f32)> {
        let open = self.open.as_ref()?;
        Some((
            open.doc.low_confidence(open.threshold).count(),
            open.threshold,
        ))
    }

    /// The text as the inspector would send it (a sent attachment: the text that was sent).
    #[must_use]
    pub fn text(&self) -> Option<String> {
        let open = self.open.as_ref()?;
        Some(open.sent_text.clone().unwrap_or_else(|| open.doc.text()))
    }

    /// The last failure or "saved to …".
    #[must_use]
    pub fn notice(&self) -> Option<&str> {
        self.notice.as_deref()
    }

    /// Applies one core answer; the composer attachment's text follows a region's text.
    pub fn on_event(&mut self, event: InspectorEvent, attachments: &mut ComposerAttachments) {
        match event {
            InspectorEvent::Opened(inspection) => {
                self.notice = None;
                self.open = Some(Box::new(Open::new(*inspection)));
            }
            InspectorEvent::RegionRead { id, region, result } => {
                let Some(open) = self.open.as_mut() else {
                    return;
                };
                if open.target != InspectTarget::Composer(id) {
                    return;
                }
                let before = open.doc.text();
                match result {
                    Ok(ocr) => {
                        open.doc.region_read(region, &ocr);
                    }
                    Err(message) => {
                        open.doc.region_failed(region);
                        self.notice = Some(message);
                    }
                }
                open.sync_composer(attachments, &before, None);
            }
            InspectorEvent::TextSaved { path, result } => {
                self.notice = Some(match result {
                    Ok(()) => path.display().to_string(),
                    Err(message) => message,
                });
            }
            InspectorEvent::Failed(message) => {
                if let Some(open) = self.open.as_mut() {
                    open.reading = false;
                }
                self.notice = Some(message);
            }
        }
    }

    /// Draws the window while an attachment is open.
    pub fn ui(
        &mut self,
        ctx: &egui::Context,
        s: &Strings,
        attachments: &mut ComposerAttachments,
        commands: &mut Vec<Command>,
    ) {
        let Some(open) = self.open.as_mut() else {
            return;
        };
        open.upload(ctx);
        let mut keep_open = true;
        let notice = &self.notice;
        let shown = egui::Window::new(format!("{} · {}", s.insp_title, open.file_name))
            .id(egui::Id::unique("ocr_inspector"))
            .open(&mut keep_open)
            .default_size(ctx.content_rect().size() * 0.9)
            .resizable(true)
            .collapsible(false)
            .show(ctx, |ui| {
                open.window_ui(ui, s, notice.as_deref(), attachments, commands)
            });
        if !keep_open || shown.and_then(|r| r.inner) == Some(false) {
            self.open = None;
        }
    }
}

impl Open {
    fn new(inspection: Inspection) -> Self {
        let Inspection {
            target,
            file_name,
            image,
            ocr,
            sent_text,
            languages,
            suggested_path,
        } = inspection;
        let image_size = egui::vec2(image.full_width as f32, image.full_height as f32);
        let language = if ocr.language.is_empty() {
            languages
                .first()
                .cloned()
                .unwrap_or_else(|| "eng".to_owned())
        } else {
            ocr.language.clone()
        };
        Self {
            target,
            file_name,
            image: Some(image),
            tiles: Vec::new(),
            image_size,
            doc: InspectorDoc::new(&ocr),
            sent_text,
            languages,
            language,
            threshold: DEFAULT_THRESHOLD,
            hovered: None,
            selected: None,
            correction: String::new(),
            focus_correction: false,
            scroll_to_selected: false,
            region_tool: false,
            canvas: Canvas::default(),
            save_path: suggested_path.display().to_string(),
            reading: false,
        }
    }

    fn read_only(&self) -> bool {
        self.sent_text.is_some()
    }

    fn composer_id(&self) -> Option<AttachmentId> {
        match self.target {
            InspectTarget::Composer(id) => Some(id),
            InspectTarget::Sent { .. } => None,
        }
    }

    /// Uploads the picture once.
    fn upload(&mut self, ctx: &egui::Context) {
        if let Some(image) = self.image.take() {
            let max_side = ctx.input(|i| i.max_texture_side);
            self.tiles = tiles::upload(ctx, &image, max_side);
        }
    }

    fn window_ui(
        &mut self,
        ui: &mut egui::Ui,
        s: &Strings,
        notice: Option<&str>,
        attachments: &mut ComposerAttachments,
        commands: &mut Vec<Command>,
    ) -> bool {
        self.step_keys(ui.ctx());
        let mode = self.doc.mode;
        let close = self.toolbar_ui(ui, s, commands);
        if self.doc.mode != mode {
            let mut before = self.doc.clone();
            before.mode = mode;
            self.sync_composer(attachments, &before.text(), None);
        }
        if close {
            return false;
        }
        if let Some(text) = notice {
            ui.label(egui::RichText::new(text).color(super::theme::note_text(ui.visuals())));
        }
        ui.separator();
        let text_width = (ui.available_width() * 0.34).clamp(220.0, 480.0);
        ui.horizontal_top(|ui| {
            let canvas_size = egui::vec2(
                ui.available_width() - text_width - 12.0,
                ui.available_height(),
            );
            let canvas_out = ui
                .allocate_ui(canvas_size, |ui| {
                    self.canvas.ui(
                        ui,
                        &CanvasFrame {
                            tiles: &self.tiles,
                            image_size: self.image_size,
                            doc: &self.doc,
                            threshold: self.threshold,
                            highlight: self.hovered.or(self.selected),
                            region_tool: self.region_tool && !self.read_only(),
                        },
                    )
                })
                .inner;
            let text_out = ui
                .vertical(|ui| {
                    ui.set_width(text_width);
                    self.side_ui(ui, s, attachments)
                })
                .inner;
            self.hovered = text_out.hovered_word.or(canvas_out.hovered_word);
            if let Some(word) = text_out.clicked_word.or(canvas_out.clicked_word) {
                self.select(Some(word), canvas_out.clicked_word.is_some());
            }
            if let (Some(region), Some(id)) = (canvas_out.region, self.composer_id()) {
                self.doc.add_region(region);
                commands.push(Command::Inspect(InspectRequest::Region {
                    id,
                    region,
                    language: self.language.clone(),
                }));
            }
        });
        true
    }
}
