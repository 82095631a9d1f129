//! The one error type of the OCR module. Every bad input has its own variant and a message
//! that names the file, the cause and what to do next; the window and the CLI show the same
//! `Display` text.

use std::io;

/// Why OCR of one image failed, or why the pool refused a job.
#[derive(Debug, thiserror::Error)]
pub enum OcrError {
    /// The file could not be read (missing, unreadable).
    #[error("could not read {name}: {source}. Check the path and its permissions.")]
    Read {
        /// The file's name as the user gave it.
        name: String,
        /// What the operating system said.
        source: io::Error,
    },
    /// A file too big to be an image worth reading.
    #[error(
        "{name} is {megabytes} MB, over the {limit_megabytes} MB limit for an image. Attach a smaller file."
    )]
    FileTooLarge {
        /// The file's name.
        name: String,
        /// Its size in MB.
        megabytes: u64,
        /// The limit in MB.
        limit_megabytes: u64,
    },
    /// A zero-byte file.
    #[error("{name} is empty (0 bytes), so it holds no image. Save or copy the image again.")]
    Empty {
        /// The file's name.
        name: String,
    },
    /// A file whose bytes are no image format we know (a renamed text file, a PDF…).
    #[error(
        "{name} is not an image: its contents look like {looks_like}. \
         Supported formats are PNG, JPEG, WebP, BMP, TIFF and GIF."
    )]
    NotAnImage {
        /// The file's name.
        name: String,
        /// What the bytes look like instead ("text", "a PDF document", "unknown binary data").
        looks_like: &'static str,
    },
    /// The image data ends before the image does.
    #[error(
        "{name} is cut short: its {format} data ends before the image does \
         (an incomplete download or copy). Copy the file again."
    )]
    Truncated {
        /// The file's name.
        name: String,
        /// The format its header names.
        format: &'static str,
    },
    /// The image data is damaged.
    #[error(
        "{name} is a damaged {format} file and cannot be decoded ({detail}). Re-save or re-export it."
    )]
    Corrupt {
        /// The file's name.
        name: String,
        /// The format its header names.
        format: &'static str,
        /// The decoder's own words.
        detail: String,
    },
    /// A valid file in a variant we cannot decode (an unusual TIFF colour type…).
    #[error(
        "{name} uses a {format} feature that cannot be decoded ({detail}). Convert it to PNG first."
    )]
    Unsupported {
        /// The file's name.
        name: String,
        /// The format its header names.
        format: &'static str,
        /// What is unsupported.
        detail: String,
    },
    /// More pixels than the limit.
    #[error(
        "{name} is {width}×{height} pixels ({megapixels} megapixels), over the {limit}-megapixel \
         limit. Crop or downscale it first."
    )]
    TooLarge {
        /// The file's name.
        name: String,
        /// Declared width.
        width: u32,
        /// Declared height.
        height: u32,
        /// Width × height in millions.
        megapixels: u64,
        /// The limit in millions of pixels.
        limit: u64,
    },
    /// A small file declaring a huge image: a decompression bomb (or a forged header).
    #[error(
        "{name} declares {width}×{height} pixels in only {file_bytes} bytes: a decompression \
         bomb or a forged header, so it was not decoded. Use the original image instead."
    )]
    DecompressionBomb {
        /// The file's name.
        name: String,
        /// Declared width.
        width: u32,
        /// Declared height.
        height: u32,
        /// The file's size.
        file_bytes: u64,
    },
    /// Too small to hold readable text.
    #[error(
        "{name} is only {width}×{height} pixels, too small to hold readable text. \
         Attach a larger image or screenshot."
    )]
    TooSmall {
        /// The file's name.
        name: String,
        /// Width.
        width: u32,
        /// Height.
        height: u32,
    },
    /// OCR ran and found nothing.
    #[error("No text found in {name}. It can still be sent to a vision model as an image.")]
    NoText {
        /// The file's name.
        name: String,
    },
    /// A language whose traineddata is not installed.
    #[error(
        "the OCR language `{language}` is not installed. Install it with \
         `sudo apt-get install {package}`, or choose one of: {installed}."
    )]
    LanguageMissing {
        /// The missing language code.
        language: String,
        /// The Debian package that provides it.
        package: String,
        /// What is installed, comma-separated.
        installed: String,
    },
    /// A language list that is not of the form `eng` or `chi_sim+eng`.
    #[error(
        "`{spec}` is not an OCR language list: use codes such as `eng` or `chi_sim+eng` \
         (letters, digits and `_`, joined by `+`)."
    )]
    LanguageInvalid {
        /// What was given.
        spec: String,
    },
    /// The engine could not start.
    #[error(
        "the {engine} OCR engine could not start for `{language}` ({detail}). Run `bash scripts/setup.sh` to reinstall its data."
    )]
    EngineInit {
        /// The engine's name.
        engine: &'static str,
        /// The languages asked for.
        language: String,
        /// The engine's own words.
        detail: String,
    },
    /// The engine failed on an image it had accepted.
    #[error(
        "the {engine} OCR engine failed on {name} ({detail}). Try again, or convert the image to PNG."
    )]
    Recognize {
        /// The engine's name.
        engine: &'static str,
        /// The file's name.
        name: String,
        /// The engine's own words.
        detail: String,
    },
    /// The job was cancelled (its attachment was removed).
    #[error("OCR of {name} was cancelled.")]
    Cancelled {
        /// The file's name.
        name: String,
    },
    /// The job queue is full; the caller may retry later.
    #[error(
        "the OCR queue is full ({capacity} images waiting). Wait for some to finish, then attach again."
    )]
    QueueFull {
        /// The queue's capacity.
        capacity: usize,
    },
    /// A bug: a worker panicked while reading this image.
    #[error("OCR of {name} failed inside ocrchat ({detail}). Please report this with the image.")]
    Internal {
        /// The file's name.
        name: String,
        /// The panic message.
        detail: String,
    },
    /// The pool is shutting down or a worker died.
    #[error("the OCR workers have stopped, so {name} was not read. Restart ocrchat.")]
    PoolStopped {
        /// The file's name.
        name: String,
    },
}

impl OcrError {
    /// True for errors about the input image itself (as opposed to the engine or the pool).
    #[must_use]
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            Self::Read { .. }
                | Self::FileTooLarge { .. }
                | Self::Empty { .. }
                | Self::NotAnImage { .. }
                | Self::Truncated { .. }
                | Self::Corrupt { .. }
                | Self::Unsupported { .. }
                | Self::TooLarge { .. }
                | Self::DecompressionBomb { .. }
                | Self::TooSmall { .. }
        )
    }
}
