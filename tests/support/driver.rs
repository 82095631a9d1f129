//! Drives a core through `CoreHandle` from a test thread, as the CLI does.

use std::time::Duration;

use ocrchat::core::{Command, CoreHandle, Event, SendOptions};
use ocrchat::store::ConversationId;

use super::TestEnv;

/// A running core and its runtime.
pub struct Driver {
    pub runtime: tokio::runtime::Runtime,
    core: Option<CoreHandle>,
}

impl Driver {
    /// A core on the test's directories.
    pub fn start(env: &TestEnv) -> Self {
        Self::with_options(env.options())
    }

    /// A core with these options.
    pub fn with_options(options: ocrchat::core::CoreOptions) -> Self {
        let runtime = super::runtime();
        let core = CoreHandle::start(runtime.handle(), options).unwrap();
        Self {
            runtime,
            core: Some(core),
        }
    }

    pub fn core(&mut self) -> &mut CoreHandle {
        self.core.as_mut().unwrap()
    }

    pub fn next(&mut self) -> Event {
        let core = self.core.as_mut().unwrap();
        self.runtime.block_on(async {
            tokio::time::timeout(Duration::from_secs(20), core.recv())
                .await
                .expect("an event within 20 s")
                .expect("the core is running")
        })
    }

    /// Events until one matches.
    pub fn until(&mut self, mut matches: impl FnMut(&Event) -> bool) -> Vec<Event> {
        let mut seen = Vec::new();
        loop {
            let event = self.next();
            if let Event::Error(message) | Event::QuestionRefused { reason: message } = &event {
                panic!("unexpected error: {message}");
            }
            let done = matches(&event);
            seen.push(event);
            if done {
                return seen;
            }
        }
    }

    /// The next `Event::Error`'s (or refused question's) message, skipping other events.
    pub fn next_error(&mut self) -> String {
        loop {
            if let Event::Error(message) | Event::QuestionRefused { reason: message } = self.next()
            {
                return message;
            }
        }
    }

    /// Sends a question without waiting for the reply.
    pub fn send_question(&mut self, conversation: Option<ConversationId>, text: &str) {
        self.core()
            .send(Command::Send {
                conversation,
                text: text.into(),
                options: SendOptions::default(),
            })
            .unwrap();
    }

    /// Sends a question and returns the events up to the end of its reply.
    pub fn ask(&mut self, conversation: Option<ConversationId>, text: &str) -> Vec<Event> {
        self.send_question(conversation, text);
        self.until(|e| matches!(e, Event::MessageFinished { .. }))
    }

    pub fn shutdown(mut self) {
        assert!(self.core.take().unwrap().shutdown(Duration::from_secs(5)));
    }
}
