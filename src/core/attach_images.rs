//! Attached images as a vision model gets them. Every request sends the images of the whole
//! history again, not only the new question's, as chat apps do: the model keeps seeing what
//! it was shown (the API is stateless). Only the newest [`MAX_IMAGES_PER_REQUEST`] go as
//! images; older ones go as their OCR text, so a long conversation's request stays bounded.
//!
//! Preparing (decode, downscale to the provider's limits, re-encode: `crate::vision`) runs on
//! a blocking thread inside the reply's own task, never on the engine task. The result is
//! cached per image and provider limits, bounded by [`CACHE_BYTES`] of base64 (least recently
//! used first out): later turns re-send the downscaled copy, and never hold the originals.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};

use crate::domain::ImageMode;
use crate::llm::{ImagePart, ProviderConfig};
use crate::store::{AttachmentFiles, MessageId};
use crate::vision::{ImageLimits, prepare, sees_images};

/// The most images one request carries as images (the newest).
pub(super) const MAX_IMAGES_PER_REQUEST: usize = 10;
/// The most base64 bytes the cache of prepared images holds.
const CACHE_BYTES: usize = 48 * 1024 * 1024;

/// One stored image to send as an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ImageRef {
    /// The content hash of its file.
    pub(super) hash: String,
    /// The name shown, for messages.
    pub(super) file_name: String,
}

/// The images each user message sends, in message order.
pub(super) type ImagePlan = Vec<(MessageId, Vec<ImageRef>)>;

/// The prepared images of a request, by message.
pub(super) type PreparedImages = HashMap<MessageId, Vec<ImagePart>>;

type CacheKey = (String, ImageLimits);

#[derive(Default)]
struct CacheInner {
    parts: HashMap<CacheKey, ImagePart>,
    /// Least recently used first.
    order: VecDeque<CacheKey>,
    bytes: usize,
}

/// Prepared images, shared by the reply tasks (see the module head).
#[derive(Clone, Default)]
pub(super) struct ImageCache(Arc<Mutex<CacheInner>>);

impl ImageCache {
    fn get(&self, key: &CacheKey) -> Option<ImagePart> {
        let mut inner = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let part = inner.parts.get(key).cloned()?;
        inner.order.retain(|k| k != key);
        inner.order.push_back(key.clone());
        Some(part)
    }

    fn insert(&self, key: CacheKey, part: ImagePart) {
        let mut inner = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if inner.parts.contains_key(&key) {
            return;
        }
        inner.bytes += part.base64.len();
        inner.order.push_back(key.clone());
        inner.parts.insert(key, part);
        while inner.bytes > CACHE_BYTES && inner.order.len() > 1 {
            let Some(oldest) = inner.order.pop_front() else {
                break;
            };
            if let Some(gone) = inner.parts.remove(&oldest) {
                inner.bytes -= gone.base64.len();
            }
        }
    }

    /// Base64 bytes held (tests check the bound).
    #[cfg(test)]
    fn held_bytes(&self) -> usize {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).bytes
    }
}

/// What a reply task needs to prepare its request's images.
pub(super) struct ImageJob {
    pub(super) plan: ImagePlan,
    pub(super) limits: Option<ImageLimits>,
    pub(super) files: Option<AttachmentFiles>,
    /// The bytes of the question's own images (with the history in memory there is no file).
    pub(super) fresh: HashMap<String, Arc<[u8]>>,
    pub(super) cache: ImageCache,
}

impl ImageJob {
    /// A job for `provider`'s limits; with a model that cannot see images, nothing to do.
    pub(super) fn new(
        plan: ImagePlan,
        provider: &ProviderConfig,
        files: Option<AttachmentFiles>,
        fresh: HashMap<String, Arc<[u8]>>,
        cache: ImageCache,
    ) -> Self {
        let limits = ImageLimits::for_style(provider.api).filter(|_| sees_images(provider));
        Self {
            plan,
            limits,
            files,
            fresh,
            cache,
        }
    }

    /// Prepares every planned image on a blocking thread.
    ///
    /// # Errors
    /// An image's file is gone or cannot be prepared; the message names it.
    pub(super) async fn run(self) -> Result<PreparedImages, String> {
        if self.plan.is_empty() || self.limits.is_none() {
            return Ok(PreparedImages::new());
        }
        tokio::task::spawn_blocking(move || self.prepare_all())
            .await
            .map_err(|err| format!("Preparing the images failed: {err}."))?
    }

    fn prepare_all(self) -> Result<PreparedImages, String> {
        let Some(limits) = self.limits else {
            return Ok(PreparedImages::new());
        };
        let mut prepared = PreparedImages::new();
        for (message, refs) in &self.plan {
            let mut parts = Vec::with_capacity(refs.len());
            for image in refs {
                parts.push(self.part(image, limits)?);
            }
            prepared.insert(*message, parts);
        }
        Ok(prepared)
    }

    fn part(&self, image: &ImageRef, limits: ImageLimits) -> Result<ImagePart, String> {
        let key = (image.hash.clone(), limits);
        if let Some(part) = self.cache.get(&key) {
            return Ok(part);
        }
        let bytes: Arc<[u8]> = match (self.fresh.get(&image.hash), &self.files) {
            (Some(bytes), _) => Arc::clone(bytes),
            (None, Some(files)) => files
                .read(&image.hash)
                .map_err(|err| {
                    format!(
                        "The image {} of an earlier message could not be read from the data \
                         folder ({err}). Start a new conversation, or ask a model without images.",
                        image.file_name
                    )
                })?
                .into(),
            (None, None) => {
                return Err(format!(
                    "The image {} is no longer in memory (the history is not saved). Attach it \
                     again.",
                    image.file_name
                ));
            }
        };
        let part = prepare(&image.file_name, &bytes, limits).map_err(|err| err.to_string())?;
        self.cache.insert(key, part.clone());
        Ok(part)
    }
}

/// The question's own images by content hash (see [`ImageJob`]).
pub(super) type FreshImages = std::collections::HashMap<String, std::sync::Arc<[u8]>>;

/// How a question's images are sent: as chosen for a model that sees images, else as text
/// (and the message says the model cannot see them).
pub(super) fn sent_as(
    options: &super::command::SendOptions,
    provider: &ProviderConfig,
) -> ImageMode {
    if crate::vision::sees_images(provider) {
        match options.image_mode.unwrap_or_default() {
            ImageMode::TextNoVision => ImageMode::Text,
            chosen => chosen,
        }
    } else {
        ImageMode::TextNoVision
    }
}

impl super::engine::Engine {
    /// A job preparing `plan`'s images for `provider` (see `attach_images.rs`).
    pub(super) fn image_job(
        &self,
        plan: ImagePlan,
        provider: &ProviderConfig,
        fresh: FreshImages,
    ) -> ImageJob {
        let files = self.attaching.files().cloned();
        ImageJob::new(plan, provider, files, fresh, self.attaching.image_cache())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(len: usize) -> ImagePart {
        ImagePart {
            media_type: "image/png",
            base64: "A".repeat(len).into(),
            width: 1,
            height: 1,
        }
    }

    #[test]
    fn the_cache_stays_within_its_bound_and_drops_the_least_recently_used() {
        let cache = ImageCache::default();
        let limits =
            ImageLimits::for_style(crate::llm::ApiStyle::Ollama).expect("Ollama carries images");
        let key = |n: u32| (format!("{n:064}"), limits);
        let third = CACHE_BYTES / 3 + 1;
        cache.insert(key(1), part(third));
        cache.insert(key(2), part(third));
        assert!(cache.get(&key(1)).is_some(), "1 is now the most recent");
        cache.insert(key(3), part(third));
        assert!(cache.held_bytes() <= CACHE_BYTES, "{}", cache.held_bytes());
        assert!(cache.get(&key(2)).is_none(), "the least recently used went");
        assert!(cache.get(&key(1)).is_some());
        assert!(cache.get(&key(3)).is_some());
    }
}
