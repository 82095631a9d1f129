//! Region maths of the freeze overlay, without egui: a drag in any direction becomes a
//! rectangle; a press on a chosen region's edge, corner or inside adjusts or moves it; and the
//! rectangle in overlay points becomes whole pixels of the screenshot (`HiDPI`: the overlay may
//! show the screenshot at any scale), clamped to the image.

/// A rectangle in overlay points: `min` is the top-left corner, `max` the bottom-right.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Area {
    /// Top-left corner (x, y).
    pub min: [f32; 2],
    /// Bottom-right corner (x, y).
    pub max: [f32; 2],
}

impl Area {
    /// The rectangle spanned by two corners given in any order (a drag up and to the left
    /// makes the same rectangle as one down and to the right).
    pub fn from_corners(a: [f32; 2], b: [f32; 2]) -> Self {
        Self {
            min: [a[0].min(b[0]), a[1].min(b[1])],
            max: [a[0].max(b[0]), a[1].max(b[1])],
        }
    }

    /// Width and height.
    pub fn size(&self) -> [f32; 2] {
        [self.max[0] - self.min[0], self.max[1] - self.min[1]]
    }

    /// The part inside `bounds` (an empty area at the nearest edge when they do not meet).
    #[must_use]
    pub fn clamped_to(&self, bounds: &Self) -> Self {
        let clamp = |v: f32, axis: usize| v.clamp(bounds.min[axis], bounds.max[axis]);
        Self {
            min: [clamp(self.min[0], 0), clamp(self.min[1], 1)],
            max: [clamp(self.max[0], 0), clamp(self.max[1], 1)],
        }
    }

    fn contains(&self, p: [f32; 2]) -> bool {
        (self.min[0]..=self.max[0]).contains(&p[0]) && (self.min[1]..=self.max[1]).contains(&p[1])
    }
}

/// What a press on the overlay takes hold of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grip {
    /// Outside the region: a new drag replaces it.
    New,
    /// Inside, away from the edges: the region moves.
    Move,
    /// On edges: these edges follow the pointer (a corner holds two).
    Edges {
        /// The left edge.
        left: bool,
        /// The right edge.
        right: bool,
        /// The top edge.
        top: bool,
        /// The bottom edge.
        bottom: bool,
    },
}

/// What a press at `p` takes hold of, with edges `tolerance` points thick on either side.
pub fn grip_at(region: Option<&Area>, p: [f32; 2], tolerance: f32) -> Grip {
    let Some(r) = region else {
        return Grip::New;
    };
    let grown = Area {
        min: [r.min[0] - tolerance, r.min[1] - tolerance],
        max: [r.max[0] + tolerance, r.max[1] + tolerance],
    };
    if !grown.contains(p) {
        return Grip::New;
    }
    let near = |a: f32, b: f32| (a - b).abs() <= tolerance;
    let left = near(p[0], r.min[0]);
    let right = near(p[0], r.max[0]) && !left;
    let top = near(p[1], r.min[1]);
    let bottom = near(p[1], r.max[1]) && !top;
    if left || right || top || bottom {
        Grip::Edges {
            left,
            right,
            top,
            bottom,
        }
    } else if r.contains(p) {
        Grip::Move
    } else {
        Grip::New
    }
}

/// The region after dragging `grip` of `start` by `delta` points, kept inside `bounds`.
/// Dragging an edge past the opposite one flips the rectangle instead of inverting it; a moved
/// region keeps its size and stops at the bounds.
pub fn adjust(start: &Area, grip: Grip, delta: [f32; 2], bounds: &Area) -> Area {
    match grip {
        Grip::New => *start,
        Grip::Move => {
            let size = start.size();
            let x = (start.min[0] + delta[0]).clamp(bounds.min[0], bounds.max[0] - size[0]);
            let y = (start.min[1] + delta[1]).clamp(bounds.min[1], bounds.max[1] - size[1]);
            Area {
                min: [x, y],
                max: [x + size[0], y + size[1]],
            }
        }
        Grip::Edges {
            left,
            right,
            top,
            bottom,
        } => {
            let mut a = [start.min[0], start.min[1]];
            let mut b = [start.max[0], start.max[1]];
            if left {
                a[0] += delta[0];
            }
            if right {
                b[0] += delta[0];
            }
            if top {
                a[1] += delta[1];
            }
            if bottom {
                b[1] += delta[1];
            }
            Area::from_corners(a, b).clamped_to(bounds)
        }
    }
}

/// A rectangle of whole pixels in a screenshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PixelRect {
    /// Left column.
    pub x: u32,
    /// Top row.
    pub y: u32,
    /// Columns.
    pub width: u32,
    /// Rows.
    pub height: u32,
}

/// The smallest region taken, in pixels per side: anything thinner is a click, not a drag.
pub const MIN_REGION_PIXELS: u32 = 4;

/// The pixels of a `image_size` screenshot covered by `area`, where the screenshot is shown
/// filling `view` (both in overlay points). Rounds outwards, so a glyph cut by the edge is
/// kept whole; clamps to the image; `None` when less than [`MIN_REGION_PIXELS`] a side.
pub fn to_pixels(area: &Area, view: &Area, image_size: [u32; 2]) -> Option<PixelRect> {
    let view_size = view.size();
    if view_size[0] <= 0.0 || view_size[1] <= 0.0 {
        return None;
    }
    let area = area.clamped_to(view);
    let scale =
        |v: f32, axis: usize| (v - view.min[axis]) * image_size[axis] as f32 / view_size[axis];
    let x0 = scale(area.min[0], 0).floor().max(0.0) as u32;
    let y0 = scale(area.min[1], 1).floor().max(0.0) as u32;
    let x1 = (scale(area.max[0], 0).ceil().max(0.0) as u32).min(image_size[0]);
    let y1 = (scale(area.max[1], 1).ceil().max(0.0) as u32).min(image_size[1]);
    let width = x1.saturating_sub(x0);
    let height = y1.saturating_sub(y0);
    (width >= MIN_REGION_PIXELS && height >= MIN_REGION_PIXELS).then_some(PixelRect {
        x: x0,
        y: y0,
        width,
        height,
    })
}

/// Copies `rect` out of an RGBA image `width` pixels wide (`None` if it does not fit).
pub fn crop_rgba(pixels: &[u8], width: u32, rect: PixelRect) -> Option<Vec<u8>> {
    let stride = width as usize * 4;
    let row_bytes = rect.width as usize * 4;
    let mut out = Vec::with_capacity(row_bytes * rect.height as usize);
    for row in rect.y..rect.y.checked_add(rect.height)? {
        let start = row as usize * stride + rect.x as usize * 4;
        out.extend_from_slice(pixels.get(start..start + row_bytes)?);
    }
    (rect.x + rect.width <= width).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::{Area, Grip, PixelRect, adjust, crop_rgba, grip_at, to_pixels};

    const VIEW: Area = Area {
        min: [0.0, 0.0],
        max: [1920.0, 1080.0],
    };

    #[test]
    fn a_drag_in_any_direction_makes_the_same_rectangle() {
        let expected = Area {
            min: [10.0, 20.0],
            max: [110.0, 70.0],
        };
        for (a, b) in [
            ([10.0, 20.0], [110.0, 70.0]),
            ([110.0, 70.0], [10.0, 20.0]),
            ([110.0, 20.0], [10.0, 70.0]),
            ([10.0, 70.0], [110.0, 20.0]),
        ] {
            assert_eq!(Area::from_corners(a, b), expected, "{a:?} → {b:?}");
        }
    }

    #[test]
    fn pixels_are_clamped_to_the_image_and_round_outwards() {
        let area = Area::from_corners([-50.0, 1000.5], [100.2, 2000.0]);
        let rect = to_pixels(&area, &VIEW, [1920, 1080]).unwrap();
        assert_eq!(
            rect,
            PixelRect {
                x: 0,
                y: 1000,
                width: 101,
                height: 80
            }
        );
        let outside = Area::from_corners([2000.0, 10.0], [2100.0, 50.0]);
        assert_eq!(to_pixels(&outside, &VIEW, [1920, 1080]), None, "off screen");
        let click = Area::from_corners([5.0, 5.0], [6.0, 6.0]);
        assert_eq!(to_pixels(&click, &VIEW, [1920, 1080]), None, "a click");
    }

    /// At 2× (a `HiDPI` monitor) the overlay shows 3840×2160 pixels in 1920×1080 points, and
    /// at 1.5× an overlay placed at an offset still maps to the right pixels.
    #[test]
    fn hidpi_scale_maps_points_to_pixels() {
        let area = Area::from_corners([100.0, 50.0], [200.0, 150.0]);
        let rect = to_pixels(&area, &VIEW, [3840, 2160]).unwrap();
        assert_eq!(
            rect,
            PixelRect {
                x: 200,
                y: 100,
                width: 200,
                height: 200
            }
        );
        let view = Area {
            min: [1280.0, 0.0],
            max: [2560.0, 720.0],
        };
        let area = Area::from_corners([1380.0, 10.0], [1480.0, 110.0]);
        let rect = to_pixels(&area, &view, [1920, 1080]).unwrap();
        assert_eq!(
            rect,
            PixelRect {
                x: 150,
                y: 15,
                width: 150,
                height: 150
            }
        );
    }

    #[test]
    fn edges_corners_and_inside_adjust_the_region() {
        let region = Area::from_corners([100.0, 100.0], [300.0, 200.0]);
        let tolerance = 6.0;
        assert_eq!(grip_at(None, [0.0, 0.0], tolerance), Grip::New);
        assert_eq!(grip_at(Some(&region), [10.0, 10.0], tolerance), Grip::New);
        assert_eq!(
            grip_at(Some(&region), [200.0, 150.0], tolerance),
            Grip::Move
        );
        let corner = grip_at(Some(&region), [302.0, 198.0], tolerance);
        assert_eq!(
            corner,
            Grip::Edges {
                left: false,
                right: true,
                top: false,
                bottom: true
            }
        );
        let grown = adjust(&region, corner, [50.0, 30.0], &VIEW);
        assert_eq!(grown, Area::from_corners([100.0, 100.0], [350.0, 230.0]));
        // The right edge dragged past the left one flips the rectangle.
        let left_edge = grip_at(Some(&region), [100.0, 150.0], tolerance);
        let flipped = adjust(&region, left_edge, [250.0, 0.0], &VIEW);
        assert_eq!(flipped, Area::from_corners([300.0, 100.0], [350.0, 200.0]));
        // A move keeps the size and stops at the screen's edge.
        let moved = adjust(&region, Grip::Move, [-500.0, 5000.0], &VIEW);
        assert_eq!(moved, Area::from_corners([0.0, 980.0], [200.0, 1080.0]));
    }

    #[test]
    fn crop_copies_rows_and_refuses_a_rect_outside() {
        // 3×2 image, each pixel's red channel its index.
        let pixels: Vec<u8> = (0..6u8).flat_map(|i| [i, 0, 0, 255]).collect();
        let rect = PixelRect {
            x: 1,
            y: 0,
            width: 2,
            height: 2,
        };
        let out = crop_rgba(&pixels, 3, rect).unwrap();
        let reds: Vec<u8> = out.chunks(4).map(|p| p[0]).collect();
        assert_eq!(reds, [1, 2, 4, 5]);
        let too_wide = PixelRect { width: 3, ..rect };
        assert_eq!(crop_rgba(&pixels, 3, too_wide), None);
    }
}
