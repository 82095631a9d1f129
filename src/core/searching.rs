//! Searching the history for the window: the query runs on the store thread, and its result
//! comes back as [`Event::SearchResults`] from a task of its own, so neither the engine loop
//! nor the UI waits for it.

use super::engine::Engine;
use super::event::Event;

impl Engine {
    /// Queues the search behind the store's earlier jobs; the results follow as an event.
    pub(super) async fn search(&self, query: String, limit: usize) {
        let parsed = match crate::search::parse(&query) {
            Ok(parsed) => parsed,
            Err(err) => {
                self.events
                    .emit(Event::SearchResults {
                        query,
                        hits: Err(err.to_string()),
                    })
                    .await;
                return;
            }
        };
        let pending = self.store.submit(move |s| s.search(&parsed, limit)).await;
        let events = self.events.clone();
        tokio::spawn(async move {
            let hits = match pending {
                Ok(pending) => pending.await,
                Err(err) => Err(err),
            };
            events
                .emit(Event::SearchResults {
                    query,
                    hits: hits.map_err(|err| format!("The search failed: {err}")),
                })
                .await;
        });
    }
}
