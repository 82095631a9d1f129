//! One worker thread of the pool: its warm engines (least recently used language list goes
//! first when the cap is reached), and the pipeline of one job: read, decode, prepare, cut
//! into bands that idle workers help read, then put the result together in the original
//! image's pixels.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Instant;

use image::DynamicImage;
use image::imageops;

use super::decode::{check_size, decode};
use super::engine::OcrEngine;
use super::pool::{OcrProgress, OcrSource, OcrStage, Shared};
use super::preprocess::{PreparedPage, Region, prepare};
use super::queue::{BandTask, Job, Task};
use super::tsv::finish_block;
use super::{LanguageSpec, OcrError};
use crate::domain::{OcrBlock, OcrBox, OcrPage, OcrResult, OcrTiming};

/// The largest file read as an image.
const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

pub(super) struct Worker {
    index: usize,
    shared: Arc<Shared>,
    engines: Vec<(LanguageSpec, Box<dyn OcrEngine>)>,
}

impl Worker {
    pub fn new(index: usize, shared: Arc<Shared>) -> Self {
        Self {
            index,
            shared,
            engines: Vec::new(),
        }
    }

    pub fn run(mut self) {
        while let Some(task) = self.shared.queue.next(self.index) {
            match task {
                Task::Warm(languages, reply) => {
                    let result = self.engine(&languages).map(|_| ());
                    reply.try_send(result).ok();
                }
                Task::Band(band) => self.run_band(band),
                Task::Job(job) => self.run_job(&job),
            }
        }
    }

    /// The warm engine for `languages`, started if needed.
    fn engine(&mut self, languages: &LanguageSpec) -> Result<&mut Box<dyn OcrEngine>, OcrError> {
        if let Some(index) = self.engines.iter().position(|(have, _)| have == languages) {
            let entry = self.engines.remove(index);
            self.engines.push(entry);
        } else {
            if self.engines.len() >= self.shared.config.warm_languages.max(1) {
                self.engines.remove(0);
            }
            let engine = self.shared.factory.create(languages)?;
            self.shared
                .engines_started
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            self.engines.push((languages.clone(), engine));
        }
        match self.engines.last_mut() {
            Some((_, engine)) => Ok(engine),
            None => Err(OcrError::EngineInit {
                engine: self.shared.factory.engine_name(),
                language: languages.to_string(),
                detail: "no engine".to_owned(),
            }),
        }
    }

    /// Reads one band with this worker's engine; a failed engine is dropped and restarted
    /// next time.
    fn read(
        &mut self,
        name: &str,
        languages: &LanguageSpec,
        image: &image::GrayImage,
        ppi: u32,
    ) -> Result<Vec<OcrBlock>, OcrError> {
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            self.engine(languages)?.recognize(name, image, ppi)
        }))
        .unwrap_or_else(|panic| {
            Err(OcrError::Internal {
                name: name.to_owned(),
                detail: panic_message(&panic),
            })
        });
        if outcome.is_err() {
            self.engines.retain(|(have, _)| have != languages);
        }
        outcome
    }

    #[expect(
        clippy::needless_pass_by_value,
        reason = "the task is taken off the queue and ends here"
    )]
    fn run_band(&mut self, band: BandTask) {
        let result = if band.cancel.is_cancelled() {
            Err(OcrError::Cancelled {
                name: band.name.to_string(),
            })
        } else {
            self.read(&band.name, &band.languages, &band.image, band.ppi)
        };
        band.reply.try_send((band.index, result)).ok();
    }

    fn run_job(&mut self, job: &Job) {
        let name = job.request.source.name();
        let started = Instant::now();
        job.report(OcrProgress {
            job: job.id,
            stage: OcrStage::Started,
        });
        let result = catch_unwind(AssertUnwindSafe(|| self.job_result(job, &name, started)))
            .unwrap_or_else(|panic| {
                Err(OcrError::Internal {
                    name: name.clone(),
                    detail: panic_message(&panic),
                })
            });
        job.reply.try_send(result).ok();
        job.report(OcrProgress {
            job: job.id,
            stage: OcrStage::Finished,
        });
    }

    fn job_result(
        &mut self,
        job: &Job,
        name: &str,
        started: Instant,
    ) -> Result<OcrResult, OcrError> {
        let cancelled = || OcrError::Cancelled {
            name: name.to_owned(),
        };
        if job.cancel.is_cancelled() {
            return Err(cancelled());
        }
        let mut timing = OcrTiming {
            queued_ms: millis(started - job.submitted),
            ..OcrTiming::default()
        };
        let pages = load_pages(&job.request.source, name)?;
        timing.decode_ms = millis(started.elapsed());
        job.report(OcrProgress {
            job: job.id,
            stage: OcrStage::Decoded { pages: pages.len() },
        });

        let prepared_at = Instant::now();
        let prepared: Vec<PreparedPage> = pages
            .iter()
            .map(|page| {
                prepare(
                    page,
                    self.shared.config.preprocess,
                    job.request.languages.has_cjk(),
                )
            })
            .collect();
        timing.preprocess_ms = millis(prepared_at.elapsed());

        let recognized_at = Instant::now();
        let total: usize = prepared.iter().map(|page| page.regions.len()).sum();
        let mut done = 0;
        let mut result_pages = Vec::with_capacity(pages.len());
        for (page, prepared) in pages.iter().zip(&prepared) {
            if job.cancel.is_cancelled() {
                return Err(cancelled());
            }
            let blocks = self.read_page(job, name, prepared, &mut done, total)?;
            result_pages.push(OcrPage {
                width: page.width(),
                height: page.height(),
                blocks,
            });
        }
        timing.recognize_ms = millis(recognized_at.elapsed());
        timing.total_ms = millis(started.elapsed());

        let text = result_pages
            .iter()
            .map(OcrPage::text)
            .filter(|text| !text.is_empty())
            .collect::<Vec<_>>()
            .join("\n\n");
        let mut result = OcrResult {
            text,
            pages: result_pages,
            language: job.request.languages.to_string(),
            engine: self.shared.factory.engine_name().to_owned(),
            mean_confidence: None,
            timing,
        };
        result.mean_confidence = OcrResult::mean_of(result.words());
        Ok(result)
    }

    /// Reads the bands of one page: all but the first go to the queue for idle workers, this
    /// worker reads the first and then helps with whatever bands are waiting.
    fn read_page(
        &mut self,
        job: &Job,
        name: &str,
        page: &PreparedPage,
        done: &mut usize,
        total: usize,
    ) -> Result<Vec<OcrBlock>, OcrError> {
        let languages = &job.request.languages;
        let crop = |region: Region| {
            imageops::crop_imm(
                &page.image,
                region.left,
                region.top,
                region.width,
                region.height,
            )
            .to_image()
        };
        let (reply, replies) = mpsc::sync_channel(page.regions.len());
        let shared_name: Arc<str> = Arc::from(name);
        self.shared
            .queue
            .push_bands(
                page.regions
                    .iter()
                    .enumerate()
                    .skip(1)
                    .map(|(index, &region)| BandTask {
                        index,
                        name: Arc::clone(&shared_name),
                        languages: languages.clone(),
                        image: crop(region),
                        ppi: page.ppi,
                        cancel: job.cancel.clone(),
                        reply: reply.clone(),
                    }),
            );
        let mut bands: Vec<Option<Result<Vec<OcrBlock>, OcrError>>> =
            (0..page.regions.len()).map(|_| None).collect();
        let first = if page.regions.len() == 1 {
            self.read(name, languages, &page.image, page.ppi)
        } else {
            self.read(name, languages, &crop(page.regions[0]), page.ppi)
        };
        bands[0] = Some(first);
        let mut received = 1;
        *done += 1;
        job.report(OcrProgress {
            job: job.id,
            stage: OcrStage::Recognized { done: *done, total },
        });
        while received < page.regions.len() {
            if let Some(band) = self.shared.queue.try_band() {
                self.run_band(band);
                continue;
            }
            let Ok((index, result)) = replies.recv() else {
                return Err(OcrError::PoolStopped {
                    name: name.to_owned(),
                });
            };
            bands[index] = Some(result);
            received += 1;
            *done += 1;
            job.report(OcrProgress {
                job: job.id,
                stage: OcrStage::Recognized { done: *done, total },
            });
        }
        let mut blocks = Vec::new();
        for (band, &region) in bands.into_iter().zip(&page.regions) {
            let band_blocks = band.unwrap_or_else(|| {
                Err(OcrError::PoolStopped {
                    name: name.to_owned(),
                })
            })?;
            blocks.extend(
                band_blocks
                    .into_iter()
                    .map(|block| to_page_pixels(block, region, page.scale)),
            );
        }
        Ok(blocks)
    }
}

/// Moves a region's block into the original image's pixels: add the region's corner, undo the
/// scale.
fn to_page_pixels(mut block: OcrBlock, region: Region, scale: u32) -> OcrBlock {
    let scale = scale.max(1);
    let map = |bbox: OcrBox| {
        let left = (bbox.left + region.left) / scale;
        let top_px = (bbox.top + region.top) / scale;
        let right = (bbox.left + region.left + bbox.width).div_ceil(scale);
        let bottom = (bbox.top + region.top + bbox.height).div_ceil(scale);
        OcrBox {
            left,
            top: top_px,
            width: right - left,
            height: bottom - top_px,
        }
    };
    for line in &mut block.lines {
        for word in &mut line.words {
            word.bbox = map(word.bbox);
        }
    }
    finish_block(&mut block);
    block
}

/// Reads and decodes the job's image into pages.
fn load_pages(source: &OcrSource, name: &str) -> Result<Vec<DynamicImage>, OcrError> {
    match source {
        OcrSource::File(path) => {
            let read_error = |source| OcrError::Read {
                name: name.to_owned(),
                source,
            };
            let size = std::fs::metadata(path).map_err(read_error)?.len();
            if size > MAX_FILE_BYTES {
                return Err(OcrError::FileTooLarge {
                    name: name.to_owned(),
                    megabytes: size / 1_000_000,
                    limit_megabytes: MAX_FILE_BYTES / 1_000_000,
                });
            }
            let bytes = std::fs::read(path).map_err(read_error)?;
            Ok(decode(name, &bytes)?.pages)
        }
        OcrSource::Bytes { bytes, .. } => Ok(decode(name, bytes)?.pages),
        OcrSource::Pixels { image, .. } => {
            // The pixels exist already, so only the lower bound can fail here.
            check_size(name, image.width(), image.height(), usize::MAX)?;
            Ok(vec![DynamicImage::clone(image)])
        }
    }
}

fn millis(duration: std::time::Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".to_owned())
}
