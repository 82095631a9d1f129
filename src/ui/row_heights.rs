//! Which rows of a long list of variable-height rows are on screen, from heights measured when
//! each row was last drawn (estimated until then). Drawing only those rows keeps a frame's cost
//! flat however long the conversation grows.

use std::collections::HashMap;
use std::hash::Hash;
use std::ops::Range;

/// The rows to draw and the space standing in for the rows that are not drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct RowPlan {
    /// Indices of the rows that overlap the viewport.
    pub visible: Range<usize>,
    /// Height of everything above the first visible row.
    pub space_before: f32,
    /// Height of everything below the last visible row.
    pub space_after: f32,
}

/// Heights of rows as last drawn, valid for one content width.
#[derive(Debug)]
pub struct RowHeights<K> {
    width: f32,
    heights: HashMap<K, f32>,
}

impl<K> Default for RowHeights<K> {
    fn default() -> Self {
        Self {
            width: 0.0,
            heights: HashMap::new(),
        }
    }
}

impl<K: Hash + Eq + Copy> RowHeights<K> {
    /// Forgets every height when the width changed (text re-wraps) or on request.
    pub fn set_width(&mut self, width: f32) {
        if (self.width - width).abs() > 0.5 {
            self.width = width;
            self.heights.clear();
        }
    }

    /// Forgets every height (another list is shown).
    pub fn clear(&mut self) {
        self.heights.clear();
    }

    /// Records the height a row had when drawn.
    pub fn record(&mut self, key: K, height: f32) {
        self.heights.insert(key, height);
    }

    /// Where row `index` starts (content coordinates), with `gap` between rows; rows never
    /// drawn count as `estimate(index)`.
    pub fn top_of(
        &self,
        keys: &[K],
        gap: f32,
        index: usize,
        mut estimate: impl FnMut(usize) -> f32,
    ) -> f32 {
        keys.iter()
            .take(index)
            .enumerate()
            .map(|(i, key)| {
                self.heights
                    .get(key)
                    .copied()
                    .unwrap_or_else(|| estimate(i))
                    + gap
            })
            .sum()
    }

    /// Plans which rows to draw for the viewport `view` (content coordinates: 0 is the top of
    /// the list), with `gap` between rows. Rows never drawn use `estimate(index)`.
    pub fn plan(
        &self,
        keys: &[K],
        gap: f32,
        view: (f32, f32),
        mut estimate: impl FnMut(usize) -> f32,
    ) -> RowPlan {
        let (view_top, view_bottom) = view;
        let mut top = 0.0;
        let mut first = None;
        let mut last = keys.len();
        let mut space_before = 0.0;
        let mut after_start = None;
        for (index, key) in keys.iter().enumerate() {
            let height = self
                .heights
                .get(key)
                .copied()
                .unwrap_or_else(|| estimate(index));
            let bottom = top + height + gap;
            // A row is visible when it overlaps the view (touching an edge is not enough).
            if first.is_none() {
                if top + height > view_top {
                    first = Some(index);
                } else {
                    space_before = bottom;
                }
            }
            if first.is_some() && top >= view_bottom && after_start.is_none() {
                last = index;
                after_start = Some(top);
            }
            top = bottom;
        }
        let first = first.unwrap_or(keys.len());
        let space_after = after_start.map_or(0.0, |start| top - start);
        RowPlan {
            visible: first..last.max(first),
            space_before,
            space_after,
        }
    }
}

#[cfg(test)]
#[expect(
    clippy::float_cmp,
    reason = "layout of exact inputs gives exact values"
)]
mod tests {
    use super::*;

    #[test]
    fn only_rows_overlapping_the_view_are_drawn() {
        let mut heights = RowHeights::default();
        heights.set_width(500.0);
        let keys: Vec<u32> = (0..1000).collect();
        // Every row 90 high + 10 gap = 100 per row.
        let plan = heights.plan(&keys, 10.0, (1050.0, 1350.0), |_| 90.0);
        assert_eq!(plan.visible, 10..14);
        assert_eq!(plan.space_before, 1000.0);
        assert_eq!(plan.space_after, (1000.0 - 14.0) * 100.0);
        // The top and the bottom of the list.
        assert_eq!(
            heights.plan(&keys, 10.0, (0.0, 250.0), |_| 90.0).visible,
            0..3
        );
        let end = heights.plan(&keys, 10.0, (99_800.0, 100_000.0), |_| 90.0);
        assert_eq!(end.visible, 998..1000);
        assert_eq!(end.space_after, 0.0);
    }

    #[test]
    fn measured_heights_replace_estimates_until_the_width_changes() {
        let mut heights = RowHeights::default();
        heights.set_width(500.0);
        let keys = [1u32, 2, 3];
        heights.record(1, 400.0);
        // Rows at 0–400 (measured), 400–450 and 450–500 (estimated).
        let plan = heights.plan(&keys, 0.0, (450.0, 460.0), |_| 50.0);
        assert_eq!(plan.visible, 2..3);
        assert_eq!(plan.space_before, 450.0);
        heights.set_width(300.0);
        let plan = heights.plan(&keys, 0.0, (450.0, 460.0), |_| 50.0);
        assert_eq!(plan.visible, 3..3, "past the end: nothing to draw");
        assert_eq!(plan.space_before, 150.0);
    }
}
