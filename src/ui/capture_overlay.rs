//! The freeze overlay: the grabbed monitor shown in a borderless, always-on-top viewport
//! placed exactly over it (no window manager needed), where the user drags a region, adjusts
//! its edges or moves it, and confirms with Enter or the button (Esc or closing cancels).
//! The region maths are in `capture::region`.

use crate::capture::Screenshot;
use crate::capture::region::{Area, Grip, adjust, crop_rgba, grip_at, to_pixels};
use crate::core::PastedImage;

use super::capture::Captured;
use super::strings::CaptureStrings;

/// How far from an edge (in points) a press still takes hold of it.
const EDGE_TOLERANCE: f32 = 6.0;

/// Enter or Esc heard outside the overlay (by the hotkey listener's grab).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverlayKey {
    /// Enter: take the region.
    Confirm,
    /// Esc: close without taking anything.
    Cancel,
}

/// What the overlay did this frame.
pub enum OverlayOutcome {
    /// Still choosing.
    Open,
    /// Esc, the close button, or Cancel.
    Cancelled,
    /// The region, cropped out of the frozen screen.
    Confirmed(Captured),
}

struct Drag {
    grip: Grip,
    start: Area,
    press: [f32; 2],
}

/// One frozen monitor being cut.
pub struct FrozenScreen {
    shot: Screenshot,
    texture: egui::TextureHandle,
    ask: Option<String>,
    region: Option<Area>,
    drag: Option<Drag>,
    /// Where the screenshot was last drawn, in the overlay's points.
    view: Option<Area>,
    /// The viewport's place and size in points (fixed when it opens).
    position: egui::Pos2,
    size: egui::Vec2,
    focus_asked: bool,
}

impl FrozenScreen {
    /// Uploads the grabbed monitor; the overlay opens at the next `show`.
    pub fn new(
        ctx: &egui::Context,
        shot: Screenshot,
        image: egui::ColorImage,
        ask: Option<String>,
    ) -> Self {
        let texture = ctx.load_texture(
            "ocrchat_capture_frozen",
            image,
            egui::TextureOptions::LINEAR,
        );
        let points_per_pixel = 1.0 / ctx.pixels_per_point();
        let position = egui::pos2(shot.origin[0] as f32, shot.origin[1] as f32) * points_per_pixel;
        let size = egui::vec2(shot.width as f32, shot.height as f32) * points_per_pixel;
        Self {
            shot,
            texture,
            ask,
            region: None,
            drag: None,
            view: None,
            position,
            size,
            focus_asked: false,
        }
    }

    /// Shows the overlay; `heard` is Enter or Esc heard by the hotkey listener.
    pub fn show(
        &mut self,
        ctx: &egui::Context,
        s: &CaptureStrings,
        heard: Option<OverlayKey>,
    ) -> OverlayOutcome {
        let builder = egui::ViewportBuilder::default()
            .with_title(s.window_title)
            .with_decorations(false)
            .with_position(self.position)
            .with_inner_size(self.size)
            .with_resizable(false)
            .with_taskbar(false)
            .with_always_on_top();
        let id = egui::ViewportId::from_hash_of("ocrchat_capture_overlay");
        let mut action =
            ctx.show_viewport_immediate(id, builder, |ui, _class| self.overlay_ui(ui, s));
        match heard {
            Some(OverlayKey::Cancel) => action = Action::Cancel,
            Some(OverlayKey::Confirm) => action = Action::Confirm,
            None => {}
        }
        match action {
            Action::None => OverlayOutcome::Open,
            Action::Cancel => OverlayOutcome::Cancelled,
            Action::Confirm => match self.crop() {
                Some(image) => OverlayOutcome::Confirmed(Captured {
                    image,
                    ask: self.ask.take(),
                }),
                None => OverlayOutcome::Open,
            },
        }
    }

    /// The chosen region's pixels (the whole monitor when none is chosen).
    fn crop(&self) -> Option<PastedImage> {
        let view = self.view?;
        let area = self.region.unwrap_or(view);
        let rect = to_pixels(&area, &view, [self.shot.width, self.shot.height])?;
        let pixels = crop_rgba(&self.shot.rgba, self.shot.width, rect)?;
        Some(PastedImage::Rgba {
            width: rect.width,
            height: rect.height,
            pixels,
        })
    }

    fn overlay_ui(&mut self, ui: &egui::Ui, s: &CaptureStrings) -> Action {
        if !self.focus_asked {
            self.focus_asked = true;
            ui.ctx().send_viewport_cmd(egui::ViewportCommand::Focus);
        }
        let (escape, enter, closing) = ui.input(|i| {
            (
                i.key_pressed(egui::Key::Escape),
                i.key_pressed(egui::Key::Enter),
                i.viewport().close_requested(),
            )
        });
        if closing {
            ui.ctx()
                .send_viewport_cmd(egui::ViewportCommand::CancelClose);
        }
        let rect = ui.ctx().content_rect();
        let view = Area {
            min: [rect.min.x, rect.min.y],
            max: [rect.max.x, rect.max.y],
        };
        self.view = Some(view);
        let response = ui.interact(
            rect,
            egui::Id::unique("ocrchat_capture_drag"),
            egui::Sense::drag(),
        );
        self.drag_ui(&response, view);
        let painter = ui.painter();
        let uv = egui::Rect::from_min_max(egui::pos2(0.0, 0.0), egui::pos2(1.0, 1.0));
        painter.image(self.texture.id(), rect, uv, egui::Color32::WHITE);
        let visuals = ui.visuals().clone();
        let dim = visuals.extreme_bg_color.gamma_multiply(0.55);
        let mut action = Action::None;
        match self.region {
            Some(region) => {
                let chosen = to_rect(&region);
                for shade in outside(rect, chosen) {
                    painter.rect_filled(shade, 0.0, dim);
                }
                painter.rect_stroke(
                    chosen,
                    0.0,
                    egui::Stroke::new(2.0, visuals.selection.stroke.color),
                    egui::StrokeKind::Outside,
                );
                if self.drag.is_none() {
                    action = buttons_ui(ui, s, chosen, rect, self.ask.as_deref());
                }
            }
            None => {
                painter.rect_filled(rect, 0.0, dim);
            }
        }
        instructions_ui(ui, s, rect);
        ui.ctx().set_cursor_icon(egui::CursorIcon::Crosshair);
        if escape || closing {
            Action::Cancel
        } else if enter {
            Action::Confirm
        } else {
            action
        }
    }

    fn drag_ui(&mut self, response: &egui::Response, view: Area) {
        let pointer = response.interact_pointer_pos().map(|p| [p.x, p.y]);
        if response.drag_started()
            && let Some(press) = pointer
        {
            let grip = grip_at(self.region.as_ref(), press, EDGE_TOLERANCE);
            let start = self.region.unwrap_or(Area {
                min: press,
                max: press,
            });
            self.drag = Some(Drag { grip, start, press });
        }
        if let (Some(drag), Some(now)) = (&self.drag, pointer) {
            self.region = Some(match drag.grip {
                Grip::New => Area::from_corners(drag.press, now).clamped_to(&view),
                grip => adjust(
                    &drag.start,
                    grip,
                    [now[0] - drag.press[0], now[1] - drag.press[1]],
                    &view,
                ),
            });
        }
        if response.drag_stopped() {
            self.drag = None;
            let usable = self
                .region
                .and_then(|r| to_pixels(&r, &view, [self.shot.width, self.shot.height]));
            if usable.is_none() {
                self.region = None;
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Action {
    None,
    Cancel,
    Confirm,
}

fn to_rect(area: &Area) -> egui::Rect {
    egui::Rect::from_min_max(
        egui::pos2(area.min[0], area.min[1]),
        egui::pos2(area.max[0], area.max[1]),
    )
}

/// The four bands of `screen` around `hole`.
fn outside(screen: egui::Rect, hole: egui::Rect) -> [egui::Rect; 4] {
    [
        egui::Rect::from_min_max(screen.min, egui::pos2(screen.max.x, hole.min.y)),
        egui::Rect::from_min_max(egui::pos2(screen.min.x, hole.max.y), screen.max),
        egui::Rect::from_min_max(
            egui::pos2(screen.min.x, hole.min.y),
            egui::pos2(hole.min.x, hole.max.y),
        ),
        egui::Rect::from_min_max(
            egui::pos2(hole.max.x, hole.min.y),
            egui::pos2(screen.max.x, hole.max.y),
        ),
    ]
}

/// Confirm and Cancel under the region (above it when it reaches the bottom of the screen).
fn buttons_ui(
    ui: &egui::Ui,
    s: &CaptureStrings,
    region: egui::Rect,
    screen: egui::Rect,
    ask: Option<&str>,
) -> Action {
    let below = region.max.y + 44.0 < screen.max.y;
    let anchor = if below {
        egui::pos2(region.max.x, region.max.y + 8.0)
    } else {
        egui::pos2(region.max.x, (region.min.y - 40.0).max(screen.min.y))
    };
    let confirm_label = ask.map_or_else(
        || s.attach_region.to_owned(),
        |q| s.ask_region.replace("{question}", q),
    );
    let mut action = Action::None;
    egui::Area::new(egui::Id::unique("ocrchat_capture_buttons"))
        .order(egui::Order::Foreground)
        .pivot(egui::Align2::RIGHT_TOP)
        .fixed_pos(anchor)
        .show(ui.ctx(), |ui| {
            egui::Frame::popup(ui.style()).show(ui, |ui| {
                ui.horizontal(|ui| {
                    if ui.button(s.cancel).clicked() {
                        action = Action::Cancel;
                    }
                    if ui.button(confirm_label).clicked() {
                        action = Action::Confirm;
                    }
                });
            });
        });
    action
}

fn instructions_ui(ui: &egui::Ui, s: &CaptureStrings, screen: egui::Rect) {
    egui::Area::new(egui::Id::unique("ocrchat_capture_instructions"))
        .order(egui::Order::Foreground)
        .pivot(egui::Align2::CENTER_TOP)
        .fixed_pos(egui::pos2(screen.center().x, screen.min.y + 12.0))
        .interactable(false)
        .show(ui.ctx(), |ui| {
            egui::Frame::popup(ui.style()).show(ui, |ui| {
                ui.label(s.instructions);
            });
        });
}
