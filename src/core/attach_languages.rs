//! The OCR languages of new attachments: chosen in Settings (`Settings::ocr_language`), else
//! `chi_sim+eng` when Chinese is installed, else `eng`; checked against the installed
//! traineddata before OCR starts, so a missing one names its Debian package.

use super::engine::Engine;
use super::event::Event;
use crate::ocr::{LanguageSpec, OcrError, TessData};

/// The OCR languages for attachments: the chosen ones (checked: a missing one names its Debian
/// package), else `chi_sim+eng` when Chinese is installed, else `eng`.
pub(super) fn languages(chosen: Option<&str>) -> Result<LanguageSpec, OcrError> {
    let tessdata = TessData::locate();
    if let Some(chosen) = chosen {
        let spec = LanguageSpec::parse(chosen)?;
        return spec.check_installed(&tessdata).map(|()| spec);
    }
    let chinese = LanguageSpec::parse("chi_sim+eng")?;
    if chinese.check_installed(&tessdata).is_ok() {
        return Ok(chinese);
    }
    let english = LanguageSpec::parse("eng")?;
    english.check_installed(&tessdata).map(|()| english)
}

/// The choices and the chosen OCR languages (reads the tessdata folder: a blocking thread).
fn ocr_languages(chosen: Option<String>) -> super::attachment_events::OcrLanguages {
    let installed = TessData::locate().installed();
    let automatic = languages(None).map_or_else(|_| "eng".to_owned(), |spec| spec.to_string());
    let problem = chosen
        .as_deref()
        .and_then(|chosen| languages(Some(chosen)).err())
        .map(|err| err.to_string());
    super::attachment_events::OcrLanguages {
        chosen,
        automatic,
        installed,
        problem,
    }
}

impl Engine {
    /// Reports the OCR languages from a task of its own (the folder is read on a blocking
    /// thread; the engine loop does not wait).
    pub(super) fn emit_ocr_languages(&self) {
        let chosen = self.settings.ocr_language.clone();
        let events = self.events.clone();
        tokio::spawn(async move {
            if let Ok(languages) = tokio::task::spawn_blocking(move || ocr_languages(chosen)).await
            {
                events.emit(Event::OcrLanguages(languages)).await;
            }
        });
    }

    /// `Command::SetOcrLanguage`: a well-formed list is saved (an uninstalled one too: the
    /// report says which package it needs), a malformed one is refused.
    pub(super) async fn set_ocr_language(&mut self, language: Option<String>) {
        let language = language
            .map(|l| l.trim().to_owned())
            .filter(|l| !l.is_empty());
        if let Some(spec) = &language
            && let Err(err) = LanguageSpec::parse(spec)
        {
            return self.events.emit(Event::Error(err.to_string())).await;
        }
        if self.settings.ocr_language != language {
            self.settings.ocr_language = language;
            self.save_settings().await;
        }
        self.emit_ocr_languages();
    }
}
