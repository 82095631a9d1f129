//! Where the image sits in the inspector's canvas: a zoom (screen points per image pixel) and
//! the image point at the canvas's top-left corner. Boxes stay in image pixels; only this maps
//! them to the screen, whatever size the shown texture has.

use egui::{Pos2, Rect, Vec2, pos2, vec2};

use crate::domain::OcrBox;

/// The smallest and largest zoom.
const ZOOM_RANGE: std::ops::RangeInclusive<f32> = 0.01..=32.0;

/// Zoom and pan of the canvas.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ImageView {
    /// Screen points per image pixel.
    pub zoom: f32,
    /// The image point (in pixels) shown at the canvas's top-left corner.
    pub origin: Pos2,
    /// Fit the image to the canvas on the next frame (when opened, or Fit pressed).
    pub fit_pending: bool,
}

impl Default for ImageView {
    fn default() -> Self {
        Self {
            zoom: 1.0,
            origin: Pos2::ZERO,
            fit_pending: true,
        }
    }
}

impl ImageView {
    /// An image pixel point on the screen.
    #[must_use]
    pub fn to_screen(&self, canvas: Rect, image: Pos2) -> Pos2 {
        canvas.min + (image - self.origin) * self.zoom
    }

    /// A screen point in image pixels.
    #[must_use]
    pub fn to_image(&self, canvas: Rect, screen: Pos2) -> Pos2 {
        self.origin + (screen - canvas.min) / self.zoom
    }

    /// A box's rectangle on the screen.
    #[must_use]
    pub fn box_rect(&self, canvas: Rect, b: OcrBox) -> Rect {
        let min = pos2(b.left as f32, b.top as f32);
        let size = vec2(b.width as f32, b.height as f32);
        Rect::from_min_size(self.to_screen(canvas, min), size * self.zoom)
    }

    /// The part of the image in view, in image pixels.
    #[must_use]
    pub fn visible(&self, canvas: Rect) -> Rect {
        Rect::from_min_max(
            self.to_image(canvas, canvas.min),
            self.to_image(canvas, canvas.max),
        )
    }

    /// The whole image fits the canvas, centred.
    pub fn fit(&mut self, canvas: Rect, image: Vec2) {
        let zoom = (canvas.width() / image.x.max(1.0)).min(canvas.height() / image.y.max(1.0));
        self.zoom = zoom.clamp(*ZOOM_RANGE.start(), *ZOOM_RANGE.end());
        self.center(canvas, image);
        self.fit_pending = false;
    }

    /// One image pixel per screen pixel, keeping the canvas's centre where it is.
    pub fn actual_size(&mut self, canvas: Rect, pixels_per_point: f32) {
        self.zoom_about(canvas, canvas.center(), 1.0 / pixels_per_point / self.zoom);
    }

    fn center(&mut self, canvas: Rect, image: Vec2) {
        let shown = canvas.size() / self.zoom;
        self.origin = pos2((image.x - shown.x) / 2.0, (image.y - shown.y) / 2.0);
    }

    /// Zooms by `factor`, keeping the image point under `anchor` (a screen point) in place.
    pub fn zoom_about(&mut self, canvas: Rect, anchor: Pos2, factor: f32) {
        let fixed = self.to_image(canvas, anchor);
        self.zoom = (self.zoom * factor).clamp(*ZOOM_RANGE.start(), *ZOOM_RANGE.end());
        self.origin = fixed - (anchor - canvas.min) / self.zoom;
    }

    /// Moves the image with the pointer by `delta` screen points.
    pub fn pan(&mut self, delta: Vec2) {
        self.origin -= delta / self.zoom;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn screen_and_image_points_round_trip_through_zoom_and_pan() {
        let canvas = Rect::from_min_size(pos2(100.0, 50.0), vec2(400.0, 300.0));
        let mut view = ImageView::default();
        view.fit(canvas, vec2(4000.0, 3000.0));
        assert!((view.zoom - 0.1).abs() < 1e-6, "fit zoom {}", view.zoom);
        let p = pos2(1234.0, 567.0);
        let back = view.to_image(canvas, view.to_screen(canvas, p));
        assert!((back - p).length() < 1e-3, "round trip {back:?}");
        let anchor = pos2(300.0, 200.0);
        let before = view.to_image(canvas, anchor);
        view.zoom_about(canvas, anchor, 2.5);
        assert!(
            (view.to_image(canvas, anchor) - before).length() < 1e-2,
            "the point under the pointer stays"
        );
        view.pan(vec2(25.0, 0.0));
        assert!(
            (view.to_image(canvas, anchor + vec2(25.0, 0.0)) - before).length() < 1e-2,
            "the image follows the drag"
        );
    }
}
