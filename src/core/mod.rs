//! The UI-agnostic core: commands in, events out, one engine task owning the state.
//!
//! **Architecture invariant:** nothing here imports egui; the window and the CLI drive it the
//! same way, through [`CoreHandle`].

mod asking;
mod attach_images;
mod attach_languages;
mod attaching;
mod attachment_events;
mod attachment_prompt;
mod command;
mod context_window;
mod continuing;
mod conversations;
mod engine;
mod event;
mod handle;
mod history_cache;
mod inspect_image;
mod inspecting;
mod localized;
mod model_choice;
mod providers;
mod saving;
mod searching;
mod store_worker;
mod testing;

pub use attachment_events::{
    AttachmentEvent, AttachmentId, OcrLanguages, OutgoingAttachment, PastedImage, SentAttachment,
    Thumbnail,
};
pub use command::{Command, SendOptions};
pub use context_window::window_label;
pub use continuing::can_continue;
pub use event::{DotenvOffer, Event, KeyState, NoticeCause, ProviderStatus};
pub use handle::{CoreBusy, CoreHandle, CoreOptions, HistoryLocation, Waker};
pub use inspecting::{InspectImage, InspectRequest, InspectTarget, Inspection, InspectorEvent};
