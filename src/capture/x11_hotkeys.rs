//! Global hotkeys on X11: a passive `GrabKey` on the root window (with and without Caps Lock
//! and Num Lock, which X counts as modifiers), read by a named thread that owns the X
//! connection's event queue. While the freeze overlay is open it also grabs Esc and Enter, so
//! they reach the capture whichever window has the keyboard; the grabs are released when the
//! overlay closes, and all of them when the listener is dropped (the connection closes).

use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, TryRecvError, sync_channel};

use x11rb::connection::Connection as _;
use x11rb::protocol::Event as XEvent;
use x11rb::protocol::xproto::{
    AtomEnum, ClientMessageEvent, ConnectionExt as _, CreateWindowAux, EventMask, GrabMode,
    ModMask, WindowClass,
};
use x11rb::rust_connection::RustConnection;

use super::hotkey::Hotkey;
use super::{CaptureError, HotkeyEvent, HotkeyStatus};

const ESCAPE: u32 = 0xff1b;
const RETURN: u32 = 0xff0d;
const KP_ENTER: u32 = 0xff8d;
/// Caps Lock and Num Lock (Mod2): a grab is made for each combination of them.
const LOCKS: [u16; 4] = [0, 2, 16, 2 | 16];
/// The modifiers a hotkey may use: Shift, Control, Mod1 (Alt), Mod4 (Super).
const USED_MODIFIERS: u16 = 1 | 4 | 8 | 64;

#[derive(Clone, Copy)]
enum Control {
    Bind {
        capture: Option<Hotkey>,
        ask: Option<Hotkey>,
    },
    OverlayKeys(bool),
}

/// The running listener; dropping it stops the thread and releases every grab.
pub struct X11Hotkeys {
    conn: Arc<RustConnection>,
    wake_window: u32,
    control: SyncSender<Control>,
}

impl X11Hotkeys {
    /// Connects to `DISPLAY` and starts the listener thread; `events` get what it hears and
    /// `waker` is called after each.
    pub fn start(
        events: SyncSender<HotkeyEvent>,
        waker: Arc<dyn Fn() + Send + Sync>,
    ) -> Result<Self, CaptureError> {
        let (conn, screen_num) = x11rb::connect(None).map_err(|err| CaptureError::Connect {
            reason: err.to_string(),
        })?;
        let conn = Arc::new(conn);
        let root = conn
            .setup()
            .roots
            .get(screen_num)
            .ok_or(CaptureError::Connect {
                reason: "the X server has no such screen".into(),
            })?
            .root;
        let wake_window = conn.generate_id()?;
        conn.create_window(
            0,
            wake_window,
            root,
            -1,
            -1,
            1,
            1,
            0,
            WindowClass::INPUT_ONLY,
            0,
            &CreateWindowAux::new(),
        )?
        .check()?;
        let (control, control_rx) = sync_channel(16);
        let listener = Listener {
            conn: Arc::clone(&conn),
            root,
            wake_window,
            control: control_rx,
            events,
            waker,
            capture: Vec::new(),
            ask: Vec::new(),
            overlay: Vec::new(),
        };
        std::thread::Builder::new()
            .name("ocrchat-hotkeys".into())
            .spawn(move || listener.run())
            .map_err(|err| CaptureError::Connect {
                reason: format!("could not start the hotkey thread: {err}"),
            })?;
        Ok(Self {
            conn,
            wake_window,
            control,
        })
    }

    /// Grabs these hotkeys instead of the ones grabbed before; the outcome arrives as
    /// [`HotkeyEvent::Status`].
    pub fn bind(&self, capture: Option<Hotkey>, ask: Option<Hotkey>) {
        self.tell(Control::Bind { capture, ask });
    }

    /// Grabs Esc and Enter for the open overlay (`true`), or releases them.
    pub fn overlay_keys(&self, on: bool) {
        self.tell(Control::OverlayKeys(on));
    }

    fn tell(&self, control: Control) {
        if self.control.try_send(control).is_ok() {
            self.wake();
        }
    }

    /// Sends the listener a client message: the X connection is the one thing it waits on.
    fn wake(&self) {
        let event = ClientMessageEvent::new(32, self.wake_window, AtomEnum::NOTICE, [0u32; 5]);
        let sent = self
            .conn
            .send_event(false, self.wake_window, EventMask::NO_EVENT, event)
            .map(|_| ());
        if sent.and_then(|()| self.conn.flush()).is_err() {
            tracing::warn!("the hotkey listener could not be reached");
        }
    }
}

impl Drop for X11Hotkeys {
    fn drop(&mut self) {
        // A closed control channel ends the listener at its next wake-up.
        let (closed, _) = sync_channel(1);
        self.control = closed;
        self.wake();
    }
}

/// A grabbed key: its keycode and modifiers (without the lock variants).
#[derive(Clone, Copy, PartialEq, Eq)]
struct Grab {
    keycode: u8,
    modifiers: u16,
}

struct Listener {
    conn: Arc<RustConnection>,
    root: u32,
    wake_window: u32,
    control: Receiver<Control>,
    events: SyncSender<HotkeyEvent>,
    waker: Arc<dyn Fn() + Send + Sync>,
    capture: Vec<Grab>,
    ask: Vec<Grab>,
    overlay: Vec<Grab>,
}

impl Listener {
    fn run(mut self) {
        loop {
            let event = match self.conn.wait_for_event() {
                Ok(event) => event,
                Err(err) => {
                    tracing::warn!("hotkeys stopped: the X connection failed: {err}");
                    return;
                }
            };
            match event {
                XEvent::KeyPress(press) => {
                    let grab = Grab {
                        keycode: press.detail,
                        modifiers: u16::from(press.state) & USED_MODIFIERS,
                    };
                    let heard = if self.capture.contains(&grab) {
                        Some(HotkeyEvent::Capture)
                    } else if self.ask.contains(&grab) {
                        Some(HotkeyEvent::Ask)
                    } else {
                        self.overlay_key(press.detail)
                    };
                    if let Some(heard) = heard {
                        self.emit(heard);
                    }
                }
                XEvent::ClientMessage(message) if message.window == self.wake_window => loop {
                    match self.control.try_recv() {
                        Ok(control) => self.apply(control),
                        Err(TryRecvError::Empty) => break,
                        Err(TryRecvError::Disconnected) => return,
                    }
                },
                _ => {}
            }
        }
    }

    fn overlay_key(&self, keycode: u8) -> Option<HotkeyEvent> {
        let index = self.overlay.iter().position(|g| g.keycode == keycode)?;
        Some(if index == 0 {
            HotkeyEvent::Cancel
        } else {
            HotkeyEvent::Confirm
        })
    }

    fn emit(&self, event: HotkeyEvent) {
        if self.events.try_send(event).is_ok() {
            (self.waker)();
        }
    }

    fn apply(&mut self, control: Control) {
        match control {
            Control::Bind { capture, ask } => {
                for grab in std::mem::take(&mut self.capture)
                    .into_iter()
                    .chain(std::mem::take(&mut self.ask))
                {
                    self.ungrab(grab);
                }
                let capture_outcome = capture.map(|key| self.grab_hotkey(key));
                let ask_outcome = ask.map(|key| self.grab_hotkey(key));
                let status =
                    |outcome: Option<Result<Grab, String>>, into: &mut Vec<Grab>| match outcome {
                        None => HotkeyStatus::Off,
                        Some(Ok(grab)) => {
                            into.push(grab);
                            HotkeyStatus::Active
                        }
                        Some(Err(reason)) => HotkeyStatus::Failed(reason),
                    };
                let capture = status(capture_outcome, &mut self.capture);
                let ask = status(ask_outcome, &mut self.ask);
                self.emit(HotkeyEvent::Status { capture, ask });
            }
            Control::OverlayKeys(true) => {
                for keysym in [ESCAPE, RETURN, KP_ENTER] {
                    if let Some(keycode) = self.keycode(keysym) {
                        let grab = Grab {
                            keycode,
                            modifiers: u16::from(ModMask::ANY),
                        };
                        if self.grab(grab).is_ok() {
                            self.overlay.push(grab);
                        }
                    }
                }
            }
            Control::OverlayKeys(false) => {
                for grab in std::mem::take(&mut self.overlay) {
                    self.ungrab(grab);
                }
            }
        }
    }

    fn grab_hotkey(&self, key: Hotkey) -> Result<Grab, String> {
        let keycode = self
            .keycode(key.keysym())
            .ok_or_else(|| format!("the keyboard has no key for {key}"))?;
        let grab = Grab {
            keycode,
            modifiers: key.x11_modifiers(),
        };
        self.grab(grab).map(|()| grab).map_err(|err| {
            self.ungrab(grab);
            format!("another program holds {key} ({err})")
        })
    }

    fn grab(&self, grab: Grab) -> Result<(), CaptureError> {
        let variants: &[u16] = if grab.modifiers == u16::from(ModMask::ANY) {
            &[0]
        } else {
            &LOCKS
        };
        for lock in variants {
            self.conn
                .grab_key(
                    false,
                    self.root,
                    ModMask::from(grab.modifiers | lock),
                    grab.keycode,
                    GrabMode::ASYNC,
                    GrabMode::ASYNC,
                )?
                .check()?;
        }
        Ok(())
    }

    fn ungrab(&self, grab: Grab) {
        for lock in LOCKS {
            let modifiers = if grab.modifiers == u16::from(ModMask::ANY) {
                ModMask::ANY
            } else {
                ModMask::from(grab.modifiers | lock)
            };
            self.conn
                .ungrab_key(grab.keycode, self.root, modifiers)
                .map(x11rb::cookie::VoidCookie::ignore_error)
                .ok();
        }
        self.conn.flush().ok();
    }

    /// The first keycode whose keysyms include `keysym` (a letter's lower- or upper-case one).
    fn keycode(&self, keysym: u32) -> Option<u8> {
        let setup = self.conn.setup();
        let (min, max) = (setup.min_keycode, setup.max_keycode);
        let mapping = self
            .conn
            .get_keyboard_mapping(min, max - min + 1)
            .ok()?
            .reply()
            .ok()?;
        let per = usize::from(mapping.keysyms_per_keycode).max(1);
        let upper = u32::from(char::from_u32(keysym)?.to_ascii_uppercase());
        mapping
            .keysyms
            .chunks(per)
            .position(|row| row.contains(&keysym) || row.first() == Some(&upper))
            .and_then(|index| u8::try_from(index).ok())
            .map(|index| min + index)
    }
}
