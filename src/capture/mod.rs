//! Screen capture: grabbing the monitor under the pointer and listening for global hotkeys.
//! No egui here: the freeze overlay that shows the grab is `ui/capture*.rs`.
//!
//! X11 uses the core protocol through x11rb (pure Rust, already linked by winit), so it costs
//! no native library and no extra build time. Wayland's portals (`Screenshot`,
//! `GlobalShortcuts`) would need a D-Bus stack; this build leaves them out, and [`platform`]
//! says why capture or the hotkeys are unavailable there, for Settings to show.
//!
//! **Architecture invariant:** grabbing runs on a thread of its own (`ocrchat-capture`) and
//! the hotkeys on `ocrchat-hotkeys`; neither the UI thread nor the engine loop waits for the
//! X server.

pub mod hotkey;
pub mod region;
#[cfg(all(unix, not(target_os = "macos")))]
mod x11_grab;
#[cfg(all(unix, not(target_os = "macos")))]
mod x11_hotkeys;

use std::sync::Arc;
use std::sync::mpsc::SyncSender;

pub use hotkey::{Hotkey, HotkeyError};

/// One monitor's pixels.
#[derive(Clone)]
pub struct Screenshot {
    /// The monitor's top-left corner on the virtual screen, in pixels.
    pub origin: [i32; 2],
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// 8-bit RGBA, row by row (`width * height * 4` bytes).
    pub rgba: Vec<u8>,
}

impl std::fmt::Debug for Screenshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Screenshot({}×{} at {:?})",
            self.width, self.height, self.origin
        )
    }
}

/// Why the screen could not be grabbed or the hotkeys bound.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    /// No X server to talk to.
    #[error(
        "Could not reach the X server ({reason}). Screen capture needs an X11 session with DISPLAY set."
    )]
    Connect {
        /// What went wrong.
        reason: String,
    },
    /// The X server failed a request.
    #[error("The X server refused the screen capture ({0}). Try again.")]
    Protocol(String),
    /// A colour layout we do not convert.
    #[error(
        "The screen uses {depth}-bit colour in {bits_per_pixel}-bit pixels, which ocrchat cannot read. Use a 24-bit colour screen."
    )]
    PixelFormat {
        /// Colour depth.
        depth: u8,
        /// Storage per pixel.
        bits_per_pixel: u8,
    },
    /// The server sent fewer pixels than asked for.
    #[error("The X server sent a short image. Try again.")]
    ShortImage,
    /// Capture is not built for this session.
    #[error("{0}")]
    Unavailable(Unavailable),
}

#[cfg(all(unix, not(target_os = "macos")))]
impl From<x11rb::errors::ConnectionError> for CaptureError {
    fn from(err: x11rb::errors::ConnectionError) -> Self {
        Self::Protocol(err.to_string())
    }
}

#[cfg(all(unix, not(target_os = "macos")))]
impl From<x11rb::errors::ReplyError> for CaptureError {
    fn from(err: x11rb::errors::ReplyError) -> Self {
        Self::Protocol(err.to_string())
    }
}

#[cfg(all(unix, not(target_os = "macos")))]
impl From<x11rb::errors::ReplyOrIdError> for CaptureError {
    fn from(err: x11rb::errors::ReplyOrIdError) -> Self {
        Self::Protocol(err.to_string())
    }
}

/// Why capture (or its hotkeys) cannot work in this session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unavailable {
    /// A Wayland session: the portals are not built in.
    Wayland,
    /// No display server (or a platform without an X11 backend).
    NoDisplay,
}

impl std::fmt::Display for Unavailable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Wayland => {
                "Wayland shows other programs' windows only through the desktop portal, which this build of ocrchat does not include. Log in to an X11 session to capture, or paste a screenshot with Ctrl+V."
            }
            Self::NoDisplay => {
                "No X11 display was found. Capture works in an X11 session; elsewhere paste a screenshot with Ctrl+V."
            }
        })
    }
}

/// The session's display server, as far as capture is concerned.
pub fn platform() -> Result<(), Unavailable> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    platform_of(
        var("DISPLAY").as_deref(),
        var("WAYLAND_DISPLAY").as_deref(),
        var("XDG_SESSION_TYPE").as_deref(),
    )
}

/// [`platform`] from the session's `DISPLAY`, `WAYLAND_DISPLAY` and `XDG_SESSION_TYPE`.
fn platform_of(
    display: Option<&str>,
    wayland_display: Option<&str>,
    session_type: Option<&str>,
) -> Result<(), Unavailable> {
    let wayland = wayland_display.is_some() || session_type == Some("wayland");
    if !cfg!(all(unix, not(target_os = "macos"))) || display.is_none() {
        return Err(if wayland {
            Unavailable::Wayland
        } else {
            Unavailable::NoDisplay
        });
    }
    if wayland {
        // XWayland's root window holds only X clients' windows: grabbing it would show the
        // user a mostly black screen.
        return Err(Unavailable::Wayland);
    }
    Ok(())
}

/// Grabs the monitor under the pointer. Blocks on the X server: call it off the UI thread.
pub fn grab_monitor_under_pointer() -> Result<Screenshot, CaptureError> {
    platform().map_err(CaptureError::Unavailable)?;
    #[cfg(all(unix, not(target_os = "macos")))]
    {
        x11_grab::grab_monitor_under_pointer()
    }
    #[cfg(not(all(unix, not(target_os = "macos"))))]
    {
        Err(CaptureError::Unavailable(Unavailable::NoDisplay))
    }
}

/// What the hotkey listener heard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HotkeyEvent {
    /// The capture hotkey.
    Capture,
    /// The capture-and-ask hotkey.
    Ask,
    /// Enter while the overlay is open.
    Confirm,
    /// Esc while the overlay is open.
    Cancel,
    /// The outcome of binding the hotkeys.
    Status {
        /// The capture hotkey.
        capture: HotkeyStatus,
        /// The capture-and-ask hotkey.
        ask: HotkeyStatus,
    },
}

/// Whether a hotkey is bound.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HotkeyStatus {
    /// None was set.
    Off,
    /// It works in every program.
    Active,
    /// It could not be bound, and why.
    Failed(String),
}

/// The global hotkeys of this session; dropping it releases them.
pub struct Hotkeys {
    #[cfg(all(unix, not(target_os = "macos")))]
    inner: x11_hotkeys::X11Hotkeys,
}

impl Hotkeys {
    /// Starts listening; `events` get what is heard and `waker` is called after each.
    pub fn start(
        events: SyncSender<HotkeyEvent>,
        waker: Arc<dyn Fn() + Send + Sync>,
    ) -> Result<Self, CaptureError> {
        platform().map_err(CaptureError::Unavailable)?;
        #[cfg(all(unix, not(target_os = "macos")))]
        {
            Ok(Self {
                inner: x11_hotkeys::X11Hotkeys::start(events, waker)?,
            })
        }
        #[cfg(not(all(unix, not(target_os = "macos"))))]
        {
            drop((events, waker));
            Err(CaptureError::Unavailable(Unavailable::NoDisplay))
        }
    }

    /// Binds these hotkeys (replacing the earlier ones); the outcome arrives as
    /// [`HotkeyEvent::Status`].
    pub fn bind(&self, capture: Option<Hotkey>, ask: Option<Hotkey>) {
        #[cfg(all(unix, not(target_os = "macos")))]
        self.inner.bind(capture, ask);
    }

    /// Takes Esc and Enter from every program while the overlay is open (`true`).
    pub fn overlay_keys(&self, on: bool) {
        #[cfg(all(unix, not(target_os = "macos")))]
        self.inner.overlay_keys(on);
    }
}

#[cfg(test)]
mod tests {
    use super::{Unavailable, platform_of};

    /// X11 works; a Wayland session (even with the `DISPLAY` of `XWayland`) says why not; no display
    /// at all says so.
    #[test]
    fn the_session_decides_whether_capture_works() {
        assert_eq!(platform_of(Some(":0"), None, Some("x11")), Ok(()));
        assert_eq!(platform_of(Some(":0"), None, None), Ok(()));
        assert_eq!(
            platform_of(Some(":0"), Some("wayland-0"), Some("wayland")),
            Err(Unavailable::Wayland)
        );
        assert_eq!(
            platform_of(None, Some("wayland-0"), None),
            Err(Unavailable::Wayland)
        );
        assert_eq!(platform_of(None, None, None), Err(Unavailable::NoDisplay));
    }
}
