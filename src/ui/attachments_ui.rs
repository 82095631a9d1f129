//! Attaching in the window: files dropped on it (a drop zone shows while they hover) and
//! images pasted with Ctrl+V become commands (the UI never reads a file: the core does), and
//! the composer's attachments are drawn as chips: thumbnail, OCR progress or language and
//! confidence, a remove button, and the recognised text, editable before sending.

use crate::core::{Command, InspectRequest, InspectTarget, PastedImage};
use crate::domain::ImageMode;

use super::attachments::{ComposerAttachments, OcrState};
use super::strings::Strings;
use super::theme;

/// Turns this frame's dropped files and pasted images into commands, and draws the drop zone
/// while files hover over the window.
pub fn take_dropped_and_pasted(ctx: &egui::Context, s: &Strings, commands: &mut Vec<Command>) {
    let (dropped, pasted, hovering) = ctx.input(|input| {
        let dropped: Vec<_> = input
            .raw
            .dropped_files
            .iter()
            .map(|file| file.path().to_path_buf())
            .filter(|path| !path.as_os_str().is_empty())
            .collect();
        let pasted: Vec<_> = input
            .events
            .iter()
            .filter_map(|event| match event {
                egui::Event::PasteImage(image) => Some(image.clone()),
                _ => None,
            })
            .collect();
        (dropped, pasted, !input.raw.hovered_files.is_empty())
    });
    commands.extend(attach_commands(dropped));
    for image in pasted {
        let [width, height] = image.size;
        let pixels = image
            .pixels
            .iter()
            .flat_map(egui::Color32::to_srgba_unmultiplied)
            .collect();
        commands.push(Command::AttachImage {
            image: PastedImage::Rgba {
                width: u32::try_from(width).unwrap_or(0),
                height: u32::try_from(height).unwrap_or(0),
                pixels,
            },
        });
    }
    if hovering {
        drop_zone(ctx, s);
    }
}

/// Files given to the window (dropped, or chosen with Attach…) become `Command::Attach`: the
/// core reads them, never the UI.
pub fn attach_commands(
    paths: impl IntoIterator<Item = std::path::PathBuf>,
) -> impl Iterator<Item = Command> {
    paths.into_iter().map(|path| Command::Attach { path })
}

fn drop_zone(ctx: &egui::Context, s: &Strings) {
    let rect = ctx.content_rect().shrink(12.0);
    let painter = ctx.layer_painter(egui::LayerId::new(
        egui::Order::Foreground,
        egui::Id::unique("attach_drop_zone"),
    ));
    let visuals = ctx.global_style().visuals.clone();
    painter.rect(
        rect,
        8.0,
        visuals.extreme_bg_color.gamma_multiply(0.9),
        egui::Stroke::new(2.0, visuals.selection.stroke.color),
        egui::StrokeKind::Inside,
    );
    painter.text(
        rect.center(),
        egui::Align2::CENTER_CENTER,
        s.attach_drop_here,
        egui::FontId::proportional(22.0),
        visuals.text_color(),
    );
}

/// Draws the composer's attachments; a removed one becomes `Command::RemoveAttachment`.
pub fn chips_ui(
    ui: &mut egui::Ui,
    s: &Strings,
    attachments: &mut ComposerAttachments,
    commands: &mut Vec<Command>,
) {
    let visuals = ui.visuals().clone();
    if let Some(failure) = &attachments.failure {
        ui.add(
            egui::Label::new(egui::RichText::new(failure).color(theme::error_text(&visuals)))
                .wrap(),
        );
    }
    let mut removed = Vec::new();
    for item in &mut attachments.items {
        ui.horizontal(|ui| {
            if item.texture.is_none()
                && let Some(thumbnail) = &item.thumbnail
            {
                let size = [thumbnail.width as usize, thumbnail.height as usize];
                let image = egui::ColorImage::from_rgba_unmultiplied(size, &thumbnail.rgba);
                item.texture = Some(ui.ctx().load_texture(
                    format!("attachment-{}", item.id.0),
                    image,
                    egui::TextureOptions::LINEAR,
                ));
            }
            let read = matches!(item.ocr, OcrState::Read { .. });
            let mut inspect = false;
            if let Some(texture) = &item.texture {
                inspect |= thumbnail_ui(ui, s, texture, 64.0, read);
            }
            ui.vertical(|ui| {
                ui.horizontal(|ui| {
                    ui.label(&item.file_name);
                    if ui.small_button(s.attachment_remove).clicked() {
                        removed.push(item.id);
                    }
                    inspect |= ui
                        .add_enabled(read, egui::Button::new(s.insp_open).small())
                        .clicked();
                });
                match &item.ocr {
                    OcrState::Reading { done, total } => {
                        ui.horizontal(|ui| {
                            ui.spinner();
                            let progress = if *total > 0 {
                                format!("{} {done}/{total}", s.attachment_reading)
                            } else {
                                s.attachment_reading.to_owned()
                            };
                            ui.label(progress);
                        });
                    }
                    OcrState::Read {
                        language,
                        confidence,
                        notice,
                    } => {
                        let note = notice.clone().unwrap_or_else(|| {
                            summary(s, language, item.text.chars().count(), *confidence)
                        });
                        ui.label(egui::RichText::new(note).color(theme::note_text(&visuals)));
                        let label = ui.label(s.attachment_text);
                        ui.add(
                            egui::TextEdit::multiline(&mut item.text)
                                .id(egui::Id::unique(("attachment_text", item.id.0)))
                                .desired_rows(3)
                                .desired_width(f32::INFINITY),
                        )
                        .labelled_by(label.id);
                    }
                }
            });
            if inspect {
                let target = InspectTarget::Composer(item.id);
                commands.push(Command::Inspect(InspectRequest::Open(target)));
            }
        });
    }
    for id in removed {
        attachments.remove(id);
        commands.push(Command::RemoveAttachment { id });
    }
}

/// "OCR text (`chi_sim+eng`, 412 characters, 91% confidence)".
#[must_use]
pub fn summary(s: &Strings, language: &str, chars: usize, confidence: Option<u8>) -> String {
    s.attachment_summary
        .replace("{lang}", language)
        .replace("{chars}", &chars.to_string())
        .replace(
            "{conf}",
            &confidence.map_or_else(|| "?".to_owned(), |c| c.to_string()),
        )
}

/// What went to the model: "OCR text (…)", "image", or both; for a model that cannot see
/// images, the text with "sent as OCR text (the model cannot see images)".
#[must_use]
pub fn sent_line(s: &Strings, item: &crate::core::SentAttachment) -> String {
    let text = || {
        summary(
            s,
            item.language.as_deref().unwrap_or("?"),
            item.sent_text.chars().count(),
            item.confidence,
        )
    };
    match item.sent_as {
        ImageMode::Text => text(),
        ImageMode::Image => s.sent_image.to_owned(),
        ImageMode::Both => format!("{} + {}", text(), s.sent_image),
        ImageMode::TextNoVision => format!("{} · {}", text(), s.sent_no_vision),
    }
}

/// A thumbnail that opens the inspector when clicked (once `clickable`); true when clicked.
fn thumbnail_ui(
    ui: &mut egui::Ui,
    s: &Strings,
    texture: &egui::TextureHandle,
    side: f32,
    clickable: bool,
) -> bool {
    let image = egui::Image::new(texture).max_size(egui::vec2(side, side));
    if !clickable {
        ui.add(image);
        return false;
    }
    ui.add(image.sense(egui::Sense::click()))
        .on_hover_cursor(egui::CursorIcon::PointingHand)
        .on_hover_text(s.insp_open)
        .clicked()
}

/// A sent message's images: a thumbnail each (a click opens the inspector, read-only) and
/// one line saying what was sent.
pub fn sent_ui(
    ui: &mut egui::Ui,
    s: &Strings,
    images: &[super::attachments::SentImage],
    conversation: crate::store::ConversationId,
    commands: &mut Vec<Command>,
) {
    let visuals = ui.visuals().clone();
    for image in images {
        let item = &image.item;
        ui.horizontal(|ui| {
            let mut inspect = false;
            if let Some(texture) = &image.texture {
                inspect |= thumbnail_ui(ui, s, texture, 96.0, true);
            }
            ui.vertical(|ui| {
                ui.horizontal(|ui| {
                    ui.label(&item.file_name);
                    inspect |= ui
                        .add_enabled(
                            image.texture.is_some(),
                            egui::Button::new(s.insp_open).small(),
                        )
                        .clicked();
                });
                ui.label(egui::RichText::new(sent_line(s, item)).color(theme::note_text(&visuals)));
                egui::CollapsingHeader::new(s.attachment_text)
                    .id_salt(("sent_text", &item.file_name, item.sent_text.len()))
                    .default_open(false)
                    .show(ui, |ui| {
                        ui.add(egui::Label::new(&item.sent_text).selectable(true));
                    });
            });
            if inspect {
                let target = InspectTarget::Sent {
                    conversation,
                    stored_id: item.stored_id,
                };
                commands.push(Command::Inspect(InspectRequest::Open(target)));
            }
        });
    }
}

/// What the composer would send, for the "show the prompt" toggle: the same templates and
/// function the core fills the request with.
pub struct PromptPreview<'a> {
    /// The templates in use.
    pub templates: &'a crate::prompt::PromptTemplates,
    /// The draft.
    pub question: &'a str,
    /// The composer's attachments with their edited text.
    pub attachments: &'a ComposerAttachments,
    /// How the images go.
    pub mode: ImageMode,
}

impl PromptPreview<'_> {
    /// The text of the message as the model will get it, and how many images go as images.
    ///
    /// # Errors
    /// The template does not fill in (the message names the line).
    pub fn text(&self) -> Result<(String, usize), String> {
        let items = &self.attachments.items;
        let attachments = if self.mode.sends_text() {
            items
                .iter()
                .map(|item| {
                    let (lang, confidence) = match &item.ocr {
                        OcrState::Read {
                            language,
                            confidence,
                            ..
                        } => (language.clone(), confidence.map(u32::from)),
                        OcrState::Reading { .. } => (String::new(), None),
                    };
                    crate::prompt::PromptAttachment {
                        file_name: item.file_name.clone(),
                        ocr_text: item.text.clone(),
                        lang,
                        confidence,
                    }
                })
                .collect()
        } else {
            Vec::new()
        };
        let context = crate::prompt::PromptContext {
            // The core sends the question without trailing blanks.
            question: self.question.trim_end().to_owned(),
            attachments,
        };
        let text = self
            .templates
            .render(&context)
            .map_err(|err| err.to_string())?;
        let images = if self.mode.sends_image() {
            items.len()
        } else {
            0
        };
        Ok((text, images))
    }

    /// Draws the preview (or the template's error).
    pub fn ui(&self, ui: &mut egui::Ui, s: &Strings) {
        let visuals = ui.visuals().clone();
        egui::Frame::group(ui.style()).show(ui, |ui| match self.text() {
            Ok((text, images)) => {
                egui::ScrollArea::vertical()
                    .id_salt("prompt_preview")
                    .max_height(160.0)
                    .show(ui, |ui| {
                        ui.add(egui::Label::new(text).selectable(true).wrap());
                    });
                if images > 0 {
                    let line = s.prompt_preview_images.replace("{n}", &images.to_string());
                    ui.label(egui::RichText::new(line).color(theme::note_text(&visuals)));
                }
            }
            Err(message) => {
                ui.label(egui::RichText::new(message).color(theme::error_text(&visuals)));
            }
        });
    }
}
