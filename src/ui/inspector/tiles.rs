//! The inspector's picture as textures: cut into tiles no wider or taller than the renderer's
//! largest texture (egui refuses a bigger one; 2048 on some GPUs), each drawn over its part of
//! the image.

use crate::core::InspectImage;

/// One texture and the part of the picture it covers (fractions 0–1 of width and height).
pub struct Tile {
    /// The uploaded pixels.
    pub texture: egui::TextureHandle,
    /// Its part of the picture.
    pub part: egui::Rect,
}

/// Uploads `image` in tiles of at most `max_side` pixels a side.
pub fn upload(ctx: &egui::Context, image: &InspectImage, max_side: usize) -> Vec<Tile> {
    let (width, height) = (image.width as usize, image.height as usize);
    let side = max_side.max(1);
    let mut tiles = Vec::new();
    for top in (0..height).step_by(side) {
        for left in (0..width).step_by(side) {
            let (w, h) = (side.min(width - left), side.min(height - top));
            let mut rgba = Vec::with_capacity(w * h * 4);
            for row in top..top + h {
                let start = (row * width + left) * 4;
                rgba.extend_from_slice(image.rgba.get(start..start + w * 4).unwrap_or(&[]));
            }
            if rgba.len() != w * h * 4 {
                return tiles; // A short buffer: show what there is.
            }
            let pixels = egui::ColorImage::from_rgba_unmultiplied([w, h], &rgba);
            let texture = ctx.load_texture(
                format!("ocr-inspector-{left}-{top}"),
                pixels,
                egui::TextureOptions::LINEAR,
            );
            let fraction = |x: usize, total: usize| x as f32 / total as f32;
            let part = egui::Rect::from_min_max(
                egui::pos2(fraction(left, width), fraction(top, height)),
                egui::pos2(fraction(left + w, width), fraction(top + h, height)),
            );
            tiles.push(Tile { texture, part });
        }
    }
    tiles
}
