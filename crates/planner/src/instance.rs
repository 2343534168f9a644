//! A request resolved into indexes the model is built from: post types, batches, pinned posts,
//! the slots a planned post may take and the segments that group them.
//!
//! A *post type* is an allowed (pillar, format) pair; its value is pillar weight x format
//! multiplier, so a post's score is heatmap value x type value. A *segment* is a run of slots of
//! one local day between consecutive breakpoints (batch ready and expiry instants, campaign
//! edges): every counting rule treats the slots of a segment alike, which is what lets
//! [`crate::candidates`] discard slots without changing the optimum. A *block* is the same but
//! split only where a rule that looks at post types changes (breakpoints and themed days), not
//! at every midnight: the model counts post types per block.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::error::PlanError;
use crate::grid::Grid;
use crate::request::{IMPLICIT_FORMAT_ID, PlanRequest};

/// Seconds in a minute, for instants kept as Unix seconds.
pub(crate) const MINUTE: i64 = 60;

/// Seconds in an hour.
pub(crate) const HOUR_SECONDS: i64 = 3600;

#[derive(Debug, Clone)]
pub(crate) struct FormatInfo {
    pub id: String,
    pub multiplier: f64,
    pub min_share: Option<f64>,
    pub max_share: Option<f64>,
    /// Pillar indexes it may be used for; empty means every pillar.
    pub pillars: Vec<usize>,
}

/// An allowed (pillar, format) pair.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct PostType {
    pub pillar: usize,
    pub format: usize,
    pub value: f64,
}

#[derive(Debug, Clone)]
pub(crate) struct BatchInfo {
    pub ready: i64,
    /// Exclusive, in Unix seconds.
    pub expiry: Option<i64>,
    /// Capacity left after the pinned posts it made.
    pub capacity: f64,
    pub pillars: Vec<usize>,
    pub formats: Vec<usize>,
}

impl BatchInfo {
    pub fn covers(&self, post_type: &PostType) -> bool {
        (self.pillars.is_empty() || self.pillars.contains(&post_type.pillar))
            && (self.formats.is_empty() || self.formats.contains(&post_type.format))
    }

    pub fn usable_at(&self, at: i64) -> bool {
        self.ready <= at && self.expiry.is_none_or(|expiry| at < expiry)
    }
}

/// A pinned post resolved to indexes.
#[derive(Debug, Clone)]
pub(crate) struct PinnedInfo {
    pub at: i64,
    pub pillar: usize,
    pub format: usize,
    pub day: Option<usize>,
}

/// A slot a planned post may take.
#[derive(Debug, Clone)]
pub(crate) struct ModelSlot {
    /// Index into [`Grid::slots`].
    pub grid_index: usize,
    /// Unix seconds.
    pub at: i64,
    pub day: usize,
    pub segment: usize,
    pub block: usize,
    pub heatmap_value: f64,
    /// Indexes into [`Instance::types`] some batch can make here.
    pub types: Vec<usize>,
}

/// Everything the model needs, resolved from one request.
#[derive(Debug)]
pub(crate) struct Instance<'a> {
    pub request: &'a PlanRequest,
    pub grid: Grid,
    pub formats: Vec<FormatInfo>,
    pub types: Vec<PostType>,
    pub batches: Vec<BatchInfo>,
    pub pinned: Vec<PinnedInfo>,
    /// Free slots in time order (on the hour only, when [`crate::candidates`] proves it exact).
    pub slots: Vec<ModelSlot>,
    pub segment_count: usize,
    pub block_count: usize,
    /// Least distance between two posts, in seconds; at least one second, so that two posts
    /// never share a slot.
    pub gap: i64,
}

impl<'a> Instance<'a> {
    pub fn new(request: &'a PlanRequest) -> Result<Self, PlanError> {
        let grid = Grid::new(request)?;
        let pillar_index: HashMap<&str, usize> = request
            .pillars
            .iter()
            .enumerate()
            .map(|(i, p)| (p.id.as_str(), i))
            .collect();
        let formats = resolve_formats(request, &pillar_index)?;
        let format_index: HashMap<&str, usize> = formats
            .iter()
            .enumerate()
            .map(|(i, f)| (f.id.as_str(), i))
            .collect();
        let batches = resolve_batches(request, &pillar_index, &format_index)?;
        let types = post_types(request, &formats, &batches);
        let pinned = resolve_pinned(request, &grid, &pillar_index, &format_index)?;
        let gap = (i64::from(request.frequency.min_gap_minutes) * MINUTE).max(1);

        let mut instance = Self {
            request,
            grid,
            formats,
            types,
            batches,
            pinned,
            slots: vec![],
            segment_count: 0,
            block_count: 0,
            gap,
        };
        instance.lay_out_slots();
        Ok(instance)
    }

    /// Pinned posts in `[from, to)` of the given pillars (empty means every pillar).
    pub fn pinned_in(&self, from: i64, to: i64, pillars: &[usize]) -> usize {
        self.pinned
            .iter()
            .filter(|p| from <= p.at && p.at < to)
            .filter(|p| pillars.is_empty() || pillars.contains(&p.pillar))
            .count()
    }

    pub fn pinned_on_day(&self, day: usize) -> usize {
        self.pinned.iter().filter(|p| p.day == Some(day)).count()
    }

    /// Free slots, their allowed types and segments.
    fn lay_out_slots(&mut self) {
        let on_the_hour = crate::candidates::hours_suffice(self);
        let breakpoints = self.breakpoints();
        let themed = self.themed_day_keys();
        let mut last_key = None;
        let mut last_block_key = None;
        let mut segment = 0;
        let mut block = 0;
        for (grid_index, slot) in self.grid.slots.iter().enumerate() {
            if !self.grid.free[grid_index]
                || (on_the_hour && chrono::Timelike::minute(&slot.local) != 0)
            {
                continue;
            }
            let at = slot.start.timestamp();
            let types = self.types_at(at);
            if types.is_empty() {
                continue;
            }
            let key = (slot.day, breakpoints.partition_point(|&b| b <= at));
            if last_key.is_some_and(|last| last != key) {
                segment += 1;
            }
            last_key = Some(key);
            let block_key = (key.1, themed[slot.day]);
            if last_block_key.is_some_and(|last| last != block_key) {
                block += 1;
            }
            last_block_key = Some(block_key);
            self.slots.push(ModelSlot {
                grid_index,
                at,
                day: slot.day,
                segment,
                block,
                heatmap_value: self.grid.heatmap_value(&self.request.heatmap, grid_index),
                types,
            });
        }
        self.segment_count = if self.slots.is_empty() {
            0
        } else {
            segment + 1
        };
        self.block_count = if self.slots.is_empty() { 0 } else { block + 1 };
    }

    /// Per day, a key that changes at the start and at the end of every themed day.
    fn themed_day_keys(&self) -> Vec<usize> {
        use chrono::Datelike;
        let themed_weekdays: Vec<chrono::Weekday> =
            self.request.themed_days.iter().map(|t| t.weekday).collect();
        let mut key = 0;
        self.grid
            .days
            .iter()
            .map(|day| {
                if themed_weekdays.contains(&day.date.weekday()) {
                    key += 2;
                    key - 1
                } else {
                    key
                }
            })
            .collect()
    }

    /// Types some batch can make at `at`; every type when production is unlimited.
    fn types_at(&self, at: i64) -> Vec<usize> {
        (0..self.types.len())
            .filter(|&k| {
                self.batches.is_empty()
                    || self
                        .batches
                        .iter()
                        .any(|b| b.usable_at(at) && b.covers(&self.types[k]))
            })
            .collect()
    }

    /// Instants at which a counting rule starts or stops applying, sorted.
    fn breakpoints(&self) -> Vec<i64> {
        let mut points: Vec<i64> = self.batches.iter().map(|b| b.ready).collect();
        points.extend(self.batches.iter().filter_map(|b| b.expiry));
        for campaign in &self.request.campaigns {
            points.extend([campaign.start.timestamp(), campaign.end.timestamp()]);
        }
        points.sort_unstable();
        points.dedup();
        points
    }
}

fn resolve_formats(
    request: &PlanRequest,
    pillar_index: &HashMap<&str, usize>,
) -> Result<Vec<FormatInfo>, PlanError> {
    if request.formats.is_empty() {
        let implicit = FormatInfo {
            id: IMPLICIT_FORMAT_ID.into(),
            multiplier: 1.0,
            min_share: None,
            max_share: None,
            pillars: vec![],
        };
        return Ok(vec![implicit]);
    }
    request
        .formats
        .iter()
        .enumerate()
        .map(|(i, format)| {
            let pillars = lookup_all(&format.pillar_ids, pillar_index, || {
                format!("formats[{i}].pillar_ids")
            })?;
            Ok(FormatInfo {
                id: format.id.clone(),
                multiplier: format.multiplier,
                min_share: format.min_share,
                max_share: format.max_share,
                pillars,
            })
        })
        .collect()
}

fn resolve_batches(
    request: &PlanRequest,
    pillar_index: &HashMap<&str, usize>,
    format_index: &HashMap<&str, usize>,
) -> Result<Vec<BatchInfo>, PlanError> {
    let mut batches = Vec::with_capacity(request.batches.len());
    for (i, batch) in request.batches.iter().enumerate() {
        let ready = batch.ready_at.timestamp();
        let pinned_uses = request
            .pinned_posts
            .iter()
            .filter(|p| p.batch_id.as_deref() == Some(batch.id.as_str()))
            .count();
        batches.push(BatchInfo {
            ready,
            expiry: batch
                .use_within_days
                .map(|days| ready + i64::from(days) * 86_400),
            capacity: f64::from(batch.capacity) - pinned_uses as f64,
            pillars: lookup_all(&batch.pillar_ids, pillar_index, || {
                format!("batches[{i}].pillar_ids")
            })?,
            formats: lookup_all(&batch.format_ids, format_index, || {
                format!("batches[{i}].format_ids")
            })?,
        });
    }
    Ok(batches)
}

fn lookup_all(
    ids: &[String],
    index: &HashMap<&str, usize>,
    field: impl Fn() -> String,
) -> Result<Vec<usize>, PlanError> {
    ids.iter()
        .map(|id| {
            index
                .get(id.as_str())
                .copied()
                .ok_or_else(|| PlanError::invalid(field(), "names an unknown id"))
        })
        .collect()
}

/// Allowed (pillar, format) pairs, less the pairs another pair always beats.
///
/// Pair (p, f) is dropped when some (p, g) is allowed with a higher multiplier (or an equal one
/// and a lower index), neither f nor g has a share bound and every batch that covers (p, f)
/// covers (p, g). Exact: replacing a post of (p, f) by (p, g) keeps every count (same pillar,
/// same total, format shares unconstrained, the same batch makes it) and does not lower its
/// score.
fn post_types(
    request: &PlanRequest,
    formats: &[FormatInfo],
    batches: &[BatchInfo],
) -> Vec<PostType> {
    let allowed =
        |p: usize, f: usize| formats[f].pillars.is_empty() || formats[f].pillars.contains(&p);
    let free_of_shares =
        |f: usize| formats[f].min_share.is_none() && formats[f].max_share.is_none();
    let beats = |p: usize, g: usize, f: usize| {
        let (mg, mf) = (formats[g].multiplier, formats[f].multiplier);
        let better = mg > mf || (mg == mf && g < f);
        let covered = batches.iter().all(|b| {
            let makes_f = b.covers(&PostType {
                pillar: p,
                format: f,
                value: 0.0,
            });
            !makes_f
                || b.covers(&PostType {
                    pillar: p,
                    format: g,
                    value: 0.0,
                })
        });
        g != f && allowed(p, g) && better && free_of_shares(g) && free_of_shares(f) && covered
    };

    let mut types = Vec::new();
    for (p, pillar) in request.pillars.iter().enumerate() {
        for f in 0..formats.len() {
            if allowed(p, f) && !(0..formats.len()).any(|g| beats(p, g, f)) {
                types.push(PostType {
                    pillar: p,
                    format: f,
                    value: pillar.weight * formats[f].multiplier,
                });
            }
        }
    }
    types
}

fn resolve_pinned(
    request: &PlanRequest,
    grid: &Grid,
    pillar_index: &HashMap<&str, usize>,
    format_index: &HashMap<&str, usize>,
) -> Result<Vec<PinnedInfo>, PlanError> {
    let mut pinned = Vec::with_capacity(request.pinned_posts.len());
    for (i, post) in request.pinned_posts.iter().enumerate() {
        let pillar = *pillar_index.get(post.pillar_id.as_str()).ok_or_else(|| {
            PlanError::invalid(
                format!("pinned_posts[{i}].pillar_id"),
                "names an unknown pillar",
            )
        })?;
        let format_id = post.format_id.as_deref().unwrap_or(IMPLICIT_FORMAT_ID);
        let format = *format_index.get(format_id).ok_or_else(|| {
            PlanError::invalid(
                format!("pinned_posts[{i}].format_id"),
                "names an unknown format",
            )
        })?;
        pinned.push(PinnedInfo {
            at: post.start_time.timestamp(),
            pillar,
            format,
            day: grid.day_of(post.start_time),
        });
    }
    Ok(pinned)
}

/// Heatmap value at the local weekday and hour of any instant.
pub(crate) fn heatmap_at(request: &PlanRequest, grid: &Grid, at: DateTime<Utc>) -> f64 {
    use chrono::{Datelike, Timelike};
    let local = at.with_timezone(&grid.time_zone);
    let hour = local.weekday().num_days_from_monday() as usize * 24 + local.hour() as usize;
    request.heatmap.get(hour).copied().unwrap_or(0.0)
}
