//! `ApiKey`: a secret string that cannot leak through `Debug`, `Display` or `tracing`, and
//! whose buffer is zeroed when it is dropped.

use std::fmt;

use zeroize::{Zeroize as _, ZeroizeOnDrop, Zeroizing};

/// An API key. Its `Debug` and `Display` print `***`; the value leaves this type only through
/// [`ApiKey::expose`], which the HTTP client calls to build the `Authorization` header.
/// Every copy zeroes its buffer on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// Wraps a key, trimming the whitespace and newlines that copy-paste adds. `None` if empty.
    /// The untrimmed input is zeroed too.
    pub fn new(value: impl Into<String>) -> Option<Self> {
        let value = Zeroizing::new(value.into());
        let trimmed = value.trim();
        (!trimmed.is_empty()).then(|| Self(trimmed.to_owned()))
    }

    /// The key itself. Call only where it goes into a request header or the keyring.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl Drop for ApiKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl ZeroizeOnDrop for ApiKey {}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(***)")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

#[cfg(test)]
mod tests {
    use super::ApiKey;

    #[test]
    fn never_prints_the_value() {
        let key = ApiKey::new("  sk-secret-123\n").unwrap();
        assert_eq!(key.expose(), "sk-secret-123");
        assert_eq!(format!("{key}"), "***");
        assert_eq!(format!("{key:?}"), "ApiKey(***)");
        assert!(!format!("{:?}", Some(&key)).contains("secret"));
        assert!(ApiKey::new("   ").is_none());
    }

    #[test]
    fn key_buffers_are_zeroed_on_drop() {
        fn zeroed_on_drop<T: zeroize::ZeroizeOnDrop>() {}
        zeroed_on_drop::<ApiKey>();
        // What `Drop` runs, seen on a live value: the bytes are overwritten, not just freed.
        let mut key = ApiKey::new("sk-zero-me").unwrap();
        zeroize::Zeroize::zeroize(&mut key.0);
        assert!(key.0.is_empty(), "zeroize clears the string");
    }
}
