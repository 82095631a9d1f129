//! Grabbing the screen on X11 with the core protocol's `GetImage` (x11rb, pure Rust; the same
//! crate winit already links): the monitor under the pointer (`RandR` 1.5 monitors; the whole
//! root window when `RandR` has none), as 8-bit RGBA.

use x11rb::connection::Connection as _;
use x11rb::protocol::randr::ConnectionExt as _;
use x11rb::protocol::xproto::{ConnectionExt as _, ImageFormat, ImageOrder};

use super::{CaptureError, Screenshot};

/// Grabs the monitor under the pointer from the X server named by `DISPLAY`.
pub fn grab_monitor_under_pointer() -> Result<Screenshot, CaptureError> {
    let (conn, screen_num) = x11rb::connect(None).map_err(|err| CaptureError::Connect {
        reason: err.to_string(),
    })?;
    let setup = conn.setup();
    let screen = setup.roots.get(screen_num).ok_or(CaptureError::Connect {
        reason: "the X server has no such screen".into(),
    })?;
    let root = screen.root;
    let pointer = conn.query_pointer(root)?.reply()?;
    let whole = (0, 0, screen.width_in_pixels, screen.height_in_pixels);
    let monitors = conn
        .randr_get_monitors(root, true)
        .ok()
        .and_then(|cookie| cookie.reply().ok())
        .map(|reply| {
            reply
                .monitors
                .iter()
                .map(|m| (m.x, m.y, m.width, m.height))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    let (x, y, width, height) =
        monitor_at(&monitors, (pointer.root_x, pointer.root_y)).unwrap_or(whole);
    let image = conn
        .get_image(ImageFormat::Z_PIXMAP, root, x, y, width, height, !0)?
        .reply()?;
    let bits_per_pixel = setup
        .pixmap_formats
        .iter()
        .find(|format| format.depth == image.depth)
        .map_or(0, |format| format.bits_per_pixel);
    let visual = screen
        .allowed_depths
        .iter()
        .flat_map(|depth| &depth.visuals)
        .find(|visual| visual.visual_id == image.visual);
    let standard_masks = visual.is_none_or(|v| {
        v.red_mask == 0x00ff_0000 && v.green_mask == 0x0000_ff00 && v.blue_mask == 0x0000_00ff
    });
    if bits_per_pixel != 32 || !(image.depth == 24 || image.depth == 32) || !standard_masks {
        return Err(CaptureError::PixelFormat {
            depth: image.depth,
            bits_per_pixel,
        });
    }
    let pixels_expected = usize::from(width) * usize::from(height) * 4;
    if image.data.len() < pixels_expected {
        return Err(CaptureError::ShortImage);
    }
    let lsb_first = setup.image_byte_order == ImageOrder::LSB_FIRST;
    let rgba = image.data[..pixels_expected]
        .chunks_exact(4)
        .flat_map(|p| {
            if lsb_first {
                [p[2], p[1], p[0], 255]
            } else {
                [p[1], p[2], p[3], 255]
            }
        })
        .collect();
    Ok(Screenshot {
        origin: [i32::from(x), i32::from(y)],
        width: u32::from(width),
        height: u32::from(height),
        rgba,
    })
}

/// The monitor (x, y, width, height) containing `pointer`, else the first one.
fn monitor_at(
    monitors: &[(i16, i16, u16, u16)],
    pointer: (i16, i16),
) -> Option<(i16, i16, u16, u16)> {
    let inside = |&&(x, y, w, h): &&(i16, i16, u16, u16)| {
        let (px, py) = (i32::from(pointer.0), i32::from(pointer.1));
        (i32::from(x)..i32::from(x) + i32::from(w)).contains(&px)
            && (i32::from(y)..i32::from(y) + i32::from(h)).contains(&py)
    };
    monitors
        .iter()
        .find(inside)
        .or_else(|| monitors.first())
        .copied()
        .filter(|&(_, _, w, h)| w > 0 && h > 0)
}

#[cfg(test)]
mod tests {
    use super::monitor_at;

    #[test]
    fn the_monitor_under_the_pointer_is_chosen() {
        let monitors = [(0, 0, 1920, 1080), (1920, 0, 1280, 1024)];
        assert_eq!(monitor_at(&monitors, (2000, 500)), Some(monitors[1]));
        assert_eq!(monitor_at(&monitors, (5, 5)), Some(monitors[0]));
        // Below the shorter monitor: no monitor there, so the first.
        assert_eq!(monitor_at(&monitors, (2000, 1050)), Some(monitors[0]));
        assert_eq!(monitor_at(&[], (0, 0)), None);
    }
}
