//! The per-provider limit on requests in flight: a reply takes one of its provider's slots
//! before it connects and keeps it until the stream is dropped; the rest wait their turn,
//! and the user is told they are waiting.

use super::super::StreamEvent;
use super::{ChatStream, DEFAULT_IN_FLIGHT};

impl ChatStream {
    /// Takes one of the provider's in-flight slots: at once when one is free; otherwise
    /// first returns [`StreamEvent::Queued`] (shown to the user), then waits on the next call.
    pub(super) async fn take_slot(&mut self) -> Option<StreamEvent> {
        match self.slot.clone().try_acquire_owned() {
            Ok(permit) => self.permit = Some(permit),
            Err(_busy) if !self.saw_queued => {
                self.saw_queued = true;
                return Some(StreamEvent::Queued {
                    in_flight: in_flight_limit(self.provider.max_in_flight),
                    provider: self.provider.name.clone(),
                });
            }
            // The semaphore is never closed, so this waits for a slot.
            Err(_busy) => self.permit = self.slot.clone().acquire_owned().await.ok(),
        }
        None
    }
}

/// The limit a provider's `max_in_flight` sets (zero or none: the default).
pub(super) fn in_flight_limit(max_in_flight: Option<u32>) -> usize {
    max_in_flight
        .filter(|&n| n > 0)
        .map_or(DEFAULT_IN_FLIGHT, |n| {
            usize::try_from(n).unwrap_or(usize::MAX)
        })
        .min(tokio::sync::Semaphore::MAX_PERMITS)
}
