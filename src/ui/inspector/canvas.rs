//! The inspector's image: zoom (wheel, pinch, Fit, 100%), pan (drag; with the region tool on,
//! the middle or right button), the boxes of the words in view tinted by confidence, the
//! hovered or selected word's box highlighted, and dragging a region to read again.

use egui::{Pos2, Rect, Sense, Vec2};

use super::doc::InspectorDoc;
use super::view::ImageView;
use crate::domain::OcrBox;
use crate::ui::theme;

/// What the canvas did this frame.
#[derive(Debug, Default)]
pub struct CanvasOutput {
    /// A word's box was clicked.
    pub clicked_word: Option<usize>,
    /// The pointer is over this word's box.
    pub hovered_word: Option<usize>,
    /// A region was dragged (image pixels).
    pub region: Option<OcrBox>,
}

/// The canvas's state between frames.
#[derive(Debug)]
pub struct Canvas {
    /// Zoom and pan.
    pub view: ImageView,
    /// The canvas's rectangle when last drawn.
    pub rect: Rect,
    /// The boxes drawn last frame: word index and screen rectangle (only words in view).
    pub drawn: Vec<(usize, Rect)>,
    /// Where a region drag started (image pixels).
    drag_from: Option<Pos2>,
}

/// The inputs of one canvas frame.
pub struct CanvasFrame<'a> {
    /// The picture, in tiles.
    pub tiles: &'a [super::tiles::Tile],
    /// The image's size in pixels (boxes are in these).
    pub image_size: Vec2,
    /// The words.
    pub doc: &'a InspectorDoc,
    /// Words under this confidence stand out.
    pub threshold: f32,
    /// The hovered or selected word.
    pub highlight: Option<usize>,
    /// Dragging draws a region instead of panning.
    pub region_tool: bool,
}

impl Default for Canvas {
    fn default() -> Self {
        Self {
            view: ImageView::default(),
            rect: Rect::NOTHING,
            drawn: Vec::new(),
            drag_from: None,
        }
    }
}

impl Canvas {
    /// Draws the canvas filling `ui`'s available space.
    pub fn ui(&mut self, ui: &mut egui::Ui, frame: &CanvasFrame<'_>) -> CanvasOutput {
        let size = ui.available_size().max(Vec2::splat(64.0));
        let (rect, response) = ui.allocate_exact_size(size, Sense::click_and_drag());
        self.rect = rect;
        if self.view.fit_pending {
            self.view.fit(rect, frame.image_size);
        }
        let mut output = CanvasOutput::default();
        self.input(ui, rect, &response, frame, &mut output);

        let painter = ui.painter_at(rect);
        painter.rect_filled(rect, 0.0, ui.visuals().extreme_bg_color);
        let image_rect = Rect::from_min_max(
            self.view.to_screen(rect, Pos2::ZERO),
            self.view.to_screen(rect, frame.image_size.to_pos2()),
        );
        let uv = Rect::from_min_max(Pos2::ZERO, egui::pos2(1.0, 1.0));
        for tile in frame.tiles {
            let shown = Rect::from_min_max(
                image_rect.lerp_inside(tile.part.min.to_vec2()),
                image_rect.lerp_inside(tile.part.max.to_vec2()),
            );
            painter.image(tile.texture.id(), shown, uv, egui::Color32::WHITE);
        }
        self.boxes(&painter, rect, frame);
        if let (Some(from), Some(pointer)) = (self.drag_from, response.interact_pointer_pos()) {
            let (stroke, fill) = theme::ocr_highlight(ui.visuals());
            let dragged = Rect::from_two_pos(self.view.to_screen(rect, from), pointer);
            painter.rect(dragged, 0.0, fill, stroke, egui::StrokeKind::Middle);
        }
        for (region, read) in frame.doc.regions() {
            let (stroke, _) = theme::ocr_highlight(ui.visuals());
            let stroke = if read {
                stroke
            } else {
                egui::Stroke::new(1.0, stroke.color)
            };
            painter.rect_stroke(
                self.view.box_rect(rect, region),
                0.0,
                stroke,
                egui::StrokeKind::Outside,
            );
        }
        output.hovered_word = response
            .hover_pos()
            .and_then(|pointer| self.word_at(pointer));
        if response.clicked() && !frame.region_tool {
            output.clicked_word = response
                .interact_pointer_pos()
                .and_then(|p| self.word_at(p));
        }
        output
    }

    fn input(
        &mut self,
        ui: &egui::Ui,
        rect: Rect,
        response: &egui::Response,
        frame: &CanvasFrame<'_>,
        output: &mut CanvasOutput,
    ) {
        if response.hovered() {
            let (scroll, pinch, pointer) = ui.input(|i| {
                (
                    i.smooth_scroll_delta.y,
                    i.zoom_delta(),
                    i.pointer.hover_pos(),
                )
            });
            let factor = pinch * (scroll / 200.0).exp();
            if (factor - 1.0).abs() > f32::EPSILON
                && let Some(pointer) = pointer
            {
                self.view.zoom_about(rect, pointer, factor);
            }
        }
        let region_drag = frame.region_tool && response.dragged_by(egui::PointerButton::Primary);
        if response.drag_started() && region_drag {
            self.drag_from = response
                .interact_pointer_pos()
                .map(|p| self.view.to_image(rect, p));
        } else if response.dragged() && !region_drag {
            self.view.pan(response.drag_delta());
        }
        if response.drag_stopped()
            && let Some(from) = self.drag_from.take()
            && let Some(to) = response.interact_pointer_pos()
        {
            let to = self.view.to_image(rect, to);
            output.region = region_box(from, to, frame.image_size);
        }
    }

    /// Draws the boxes of the sent words that are in view.
    fn boxes(&mut self, painter: &egui::Painter, rect: Rect, frame: &CanvasFrame<'_>) {
        self.drawn.clear();
        let visible = self.view.visible(rect);
        let mut highlighted = None;
        for index in frame.doc.active_words() {
            let word = &frame.doc.words[index];
            let b = word.bbox;
            let image_box = Rect::from_min_size(
                egui::pos2(b.left as f32, b.top as f32),
                egui::vec2(b.width as f32, b.height as f32),
            );
            if !visible.intersects(image_box) {
                continue;
            }
            let screen = self.view.box_rect(rect, b);
            self.drawn.push((index, screen));
            if frame.highlight == Some(index) {
                highlighted = Some(screen);
                continue;
            }
            let (stroke, fill) =
                theme::ocr_word_box(word.confidence, word.confidence < frame.threshold);
            painter.rect(screen, 0.0, fill, stroke, egui::StrokeKind::Outside);
        }
        if let Some(screen) = highlighted {
            let (stroke, fill) = theme::ocr_highlight(&painter.ctx().global_style().visuals);
            painter.rect(screen, 0.0, fill, stroke, egui::StrokeKind::Outside);
        }
    }

    /// The word whose drawn box holds `pointer` (the smallest, where boxes overlap).
    fn word_at(&self, pointer: Pos2) -> Option<usize> {
        self.drawn
            .iter()
            .filter(|(_, r)| r.contains(pointer))
            .min_by(|a, b| a.1.area().total_cmp(&b.1.area()))
            .map(|(index, _)| *index)
    }
}

/// The dragged rectangle in whole image pixels, inside the image; `None` when too small.
fn region_box(from: Pos2, to: Pos2, image: Vec2) -> Option<OcrBox> {
    let r = Rect::from_two_pos(from, to).intersect(Rect::from_min_size(Pos2::ZERO, image));
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "clamped to the image"
    )]
    let px = |v: f32| v.max(0.0).round() as u32;
    let b = OcrBox {
        left: px(r.min.x),
        top: px(r.min.y),
        width: px(r.width()),
        height: px(r.height()),
    };
    (b.width >= 4 && b.height >= 4).then_some(b)
}
