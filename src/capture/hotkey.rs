//! Global hotkeys as the user writes them in Settings ("Ctrl+Alt+A"): parsed into modifiers
//! and one key, with the X11 keysym and modifier mask the grab needs.

use std::fmt;

/// A key combination that works in any application.
#[expect(
    clippy::struct_excessive_bools,
    reason = "the four modifier keys, each on or off"
)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hotkey {
    /// Control.
    pub ctrl: bool,
    /// Alt (X11 Mod1).
    pub alt: bool,
    /// Shift.
    pub shift: bool,
    /// The Windows / Super key (X11 Mod4).
    pub logo: bool,
    /// The key pressed with them.
    pub key: HotkeyKey,
}

/// The non-modifier key of a [`Hotkey`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HotkeyKey {
    /// A letter (stored upper-case) or a digit.
    Char(char),
    /// F1 to F24.
    Function(u8),
    /// The Print Screen key.
    Print,
}

/// Why a hotkey text was not understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HotkeyError {
    /// A part is neither a modifier nor a key we support.
    #[error(
        "\"{part}\" is not a key ocrchat can bind. Use modifiers (Ctrl, Alt, Shift, Super) and a letter, a digit, F1–F24 or Print, e.g. Ctrl+Alt+A."
    )]
    UnknownKey {
        /// The part.
        part: String,
    },
    /// No key, or two keys.
    #[error("A hotkey needs exactly one key besides its modifiers, e.g. Ctrl+Alt+A.")]
    KeyCount,
    /// A letter or digit with no Ctrl, Alt or Super would take that key from every program.
    #[error(
        "A letter or digit alone would be taken from every program. Add Ctrl, Alt or Super, e.g. Ctrl+Alt+A."
    )]
    NeedsModifier,
}

impl Hotkey {
    /// Parses "Ctrl+Alt+A" (case-insensitive; `-` also separates; spaces are ignored).
    pub fn parse(text: &str) -> Result<Self, HotkeyError> {
        let mut hotkey = Self {
            ctrl: false,
            alt: false,
            shift: false,
            logo: false,
            key: HotkeyKey::Print,
        };
        let mut keys = 0;
        for part in text
            .split(['+', '-'])
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            match part.to_ascii_lowercase().as_str() {
                "ctrl" | "control" => hotkey.ctrl = true,
                "alt" => hotkey.alt = true,
                "shift" => hotkey.shift = true,
                "super" | "win" | "meta" | "logo" => hotkey.logo = true,
                lower => {
                    keys += 1;
                    hotkey.key = parse_key(lower).ok_or_else(|| HotkeyError::UnknownKey {
                        part: part.to_owned(),
                    })?;
                }
            }
        }
        if keys != 1 {
            return Err(HotkeyError::KeyCount);
        }
        if matches!(hotkey.key, HotkeyKey::Char(_)) && !(hotkey.ctrl || hotkey.alt || hotkey.logo) {
            return Err(HotkeyError::NeedsModifier);
        }
        Ok(hotkey)
    }

    /// The X11 keysym of the key (lower-case letters: the keysym a keycode's first column has).
    pub fn keysym(&self) -> u32 {
        match self.key {
            HotkeyKey::Char(c) => u32::from(c.to_ascii_lowercase()),
            HotkeyKey::Function(n) => 0xffbd + u32::from(n),
            HotkeyKey::Print => 0xff61,
        }
    }

    /// The X11 modifier mask (Shift 1, Control 4, Mod1 8, Mod4 64).
    pub fn x11_modifiers(&self) -> u16 {
        u16::from(self.shift)
            | (u16::from(self.ctrl) << 2)
            | (u16::from(self.alt) << 3)
            | (u16::from(self.logo) << 6)
    }
}

fn parse_key(lower: &str) -> Option<HotkeyKey> {
    let mut chars = lower.chars();
    if let (Some(c), None) = (chars.next(), chars.clone().next())
        && c.is_ascii_alphanumeric()
    {
        return Some(HotkeyKey::Char(c.to_ascii_uppercase()));
    }
    if matches!(lower, "print" | "printscreen" | "prtsc") {
        return Some(HotkeyKey::Print);
    }
    let n: u8 = lower.strip_prefix('f')?.parse().ok()?;
    (1..=24).contains(&n).then_some(HotkeyKey::Function(n))
}

impl fmt::Display for Hotkey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (on, name) in [
            (self.ctrl, "Ctrl+"),
            (self.alt, "Alt+"),
            (self.shift, "Shift+"),
            (self.logo, "Super+"),
        ] {
            if on {
                f.write_str(name)?;
            }
        }
        match self.key {
            HotkeyKey::Char(c) => write!(f, "{c}"),
            HotkeyKey::Function(n) => write!(f, "F{n}"),
            HotkeyKey::Print => f.write_str("Print"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Hotkey, HotkeyError, HotkeyKey};

    #[test]
    fn parses_and_prints_hotkeys() {
        let key = Hotkey::parse("ctrl + alt + a").unwrap();
        assert_eq!(key.key, HotkeyKey::Char('A'));
        assert_eq!(key.to_string(), "Ctrl+Alt+A");
        assert_eq!(key.keysym(), u32::from(b'a'));
        assert_eq!(key.x11_modifiers(), 4 | 8);
        let f = Hotkey::parse("Shift-F12").unwrap();
        assert_eq!(f.keysym(), 0xffc9, "XK_F12");
        assert_eq!(Hotkey::parse("Print").unwrap().keysym(), 0xff61);
    }

    #[test]
    fn refuses_what_cannot_be_bound() {
        assert_eq!(Hotkey::parse("Ctrl+Alt"), Err(HotkeyError::KeyCount));
        assert_eq!(Hotkey::parse("Ctrl+A+B"), Err(HotkeyError::KeyCount));
        assert_eq!(Hotkey::parse("Shift+A"), Err(HotkeyError::NeedsModifier));
        assert!(matches!(
            Hotkey::parse("Ctrl+Enter"),
            Err(HotkeyError::UnknownKey { .. })
        ));
        assert!(Hotkey::parse("F25").is_err(), "no F25");
    }
}
