//! Which rows of a long list of variable-height rows are on screen, from heights measured when
//! each row was last drawn (estimated until then). Drawing only those rows keeps a frame's cost
//! flat however long the conversation grows.
//!
//! Each row's height is kept, with a Fenwick tree of prefix sums over them, so a frame costs
//! O(log n) to plan: rows are estimated once (from a size hint the caller computes once per
//! row), and only a row whose text changes (the streaming reply) is estimated again.

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

/// Heights of rows keyed by `K`, each with a size hint `S` its estimate is made from.
#[derive(Debug)]
pub struct RowHeights<K, S> {
    width: f32,
    gap: f32,
    keys: Vec<K>,
    hints: Vec<S>,
    /// The height as drawn at `width`, once drawn.
    measured: Vec<Option<f32>>,
    /// Height + gap of each row, as prefix sums.
    sums: Fenwick,
}

impl<K, S> Default for RowHeights<K, S> {
    fn default() -> Self {
        Self {
            width: 0.0,
            gap: 0.0,
            keys: Vec::new(),
            hints: Vec::new(),
            measured: Vec::new(),
            sums: Fenwick::default(),
        }
    }
}

impl<K: Copy + Eq, S: Copy> RowHeights<K, S> {
    /// Makes the rows match a list of `len` rows, where row `i` has key `key(i)` and size hint
    /// `hint(i)`. Rows appended since the last call are estimated; a different list (another
    /// conversation, a removed row) is estimated afresh. Checks only the ends: O(new rows).
    pub fn sync(
        &mut self,
        len: usize,
        key: impl Fn(usize) -> K,
        hint: impl Fn(usize) -> S,
        estimate: impl Fn(&S, f32) -> f32,
    ) {
        let kept = self.keys.len();
        let same_prefix = kept <= len
            && (kept == 0 || (key(0) == self.keys[0] && key(kept - 1) == self.keys[kept - 1]));
        if !same_prefix {
            self.keys.clear();
            self.hints.clear();
            self.measured.clear();
            self.sums = Fenwick::default();
        }
        for index in self.keys.len()..len {
            let row_hint = hint(index);
            self.sums
                .push(f64::from(estimate(&row_hint, self.width) + self.gap));
            self.keys.push(key(index));
            self.hints.push(row_hint);
            self.measured.push(None);
        }
    }

    /// Sets the content width and the gap between rows. A new width re-wraps text, so every
    /// measured height is dropped and rows are estimated again from their hints (O(n), no text
    /// is read).
    pub fn set_layout(&mut self, width: f32, gap: f32, estimate: impl Fn(&S, f32) -> f32) {
        if (self.width - width).abs() <= 0.5 && (self.gap - gap).abs() <= f32::EPSILON {
            return;
        }
        self.width = width;
        self.gap = gap;
        self.measured.fill(None);
        let values = self
            .hints
            .iter()
            .map(|h| f64::from(estimate(h, width) + gap));
        self.sums = Fenwick::from_values(values);
    }

    /// A row's text changed (the streaming reply): a new hint, and its estimate unless it is
    /// drawn again (which measures it).
    pub fn update_hint(&mut self, index: usize, hint: S, estimate: impl Fn(&S, f32) -> f32) {
        if let Some(slot) = self.hints.get_mut(index) {
            *slot = hint;
            if self.measured[index].is_none() {
                self.sums
                    .set(index, f64::from(estimate(&hint, self.width) + self.gap));
            }
        }
    }

    /// Forgets a row's measured height (its text changed while it was off screen).
    pub fn forget_measure(&mut self, index: usize, estimate: impl Fn(&S, f32) -> f32) {
        if let Some(hint) = self.hints.get(index).copied() {
            self.measured[index] = None;
            self.sums
                .set(index, f64::from(estimate(&hint, self.width) + self.gap));
        }
    }

    /// Records the height row `index` had when drawn.
    pub fn record(&mut self, index: usize, height: f32) {
        if let Some(slot) = self.measured.get_mut(index)
            && *slot != Some(height)
        {
            *slot = Some(height);
            self.sums.set(index, f64::from(height + self.gap));
        }
    }

    /// Plans which rows to draw for the viewport `view` (content coordinates: 0 is the top of
    /// the list). O(log n).
    pub fn plan(&self, view: (f32, f32)) -> RowPlan {
        let (view_top, view_bottom) = (f64::from(view.0), f64::from(view.1));
        let len = self.keys.len();
        // Row i spans [P(i), P(i + 1) - gap]; it is visible when its bottom is below the
        // view's top (touching is not enough) and its top is above the view's bottom.
        let first = self
            .sums
            .count_at_most(view_top + f64::from(self.gap))
            .min(len);
        let last = (self.sums.count_below(view_bottom) + 1).min(len).max(first);
        let total = self.sums.prefix(len);
        #[expect(clippy::cast_possible_truncation)] // Heights in points fit an f32.
        RowPlan {
            visible: first..last,
            space_before: self.sums.prefix(first) as f32,
            space_after: (total - self.sums.prefix(last)) as f32,
        }
    }
}

/// A Fenwick (binary indexed) tree over non-negative values: prefix sums and searches in
/// O(log n).
#[derive(Debug, Default)]
struct Fenwick {
    /// 1-based: `tree[i]` sums the values (i - lowbit(i), i].
    tree: Vec<f64>,
    values: Vec<f64>,
}

impl Fenwick {
    fn from_values(values: impl Iterator<Item = f64>) -> Self {
        let values: Vec<f64> = values.collect();
        let mut tree = vec![0.0; values.len() + 1];
        for (index, value) in values.iter().enumerate() {
            let i = index + 1;
            tree[i] += value;
            let parent = i + lowbit(i);
            if parent < tree.len() {
                tree[parent] += tree[i];
            }
        }
        Self { tree, values }
    }

    fn push(&mut self, value: f64) {
        if self.tree.is_empty() {
            self.tree.push(0.0);
        }
        let i = self.values.len() + 1;
        // Node i covers (i - lowbit(i), i]: the new value plus the values already there.
        let node = value + self.prefix(i - 1) - self.prefix(i - lowbit(i));
        self.tree.push(node);
        self.values.push(value);
    }

    fn set(&mut self, index: usize, value: f64) {
        let delta = value - self.values[index];
        self.values[index] = value;
        let mut i = index + 1;
        while i < self.tree.len() {
            self.tree[i] += delta;
            i += lowbit(i);
        }
    }

    /// The sum of the first `count` values.
    fn prefix(&self, count: usize) -> f64 {
        let mut sum = 0.0;
        let mut i = count.min(self.values.len());
        while i > 0 {
            sum += self.tree[i];
            i -= lowbit(i);
        }
        sum
    }

    /// The largest k with prefix(k) <= target.
    fn count_at_most(&self, target: f64) -> usize {
        self.descend(|sum| sum <= target)
    }

    /// The largest k with prefix(k) < target.
    fn count_below(&self, target: f64) -> usize {
        self.descend(|sum| sum < target)
    }

    fn descend(&self, keep: impl Fn(f64) -> bool) -> usize {
        let len = self.values.len();
        let mut position = 0;
        let mut sum = 0.0;
        let mut step = len.next_power_of_two();
        while step > 0 {
            let next = position + step;
            if next <= len && keep(sum + self.tree[next]) {
                position = next;
                sum += self.tree[next];
            }
            step /= 2;
        }
        position
    }
}

fn lowbit(i: usize) -> usize {
    i & i.wrapping_neg()
}

#[cfg(test)]
#[expect(
    clippy::float_cmp,
    reason = "layout of exact inputs gives exact values"
)]
mod tests {
    use super::*;

    fn rows(heights: &[f32], width: f32, gap: f32) -> RowHeights<usize, f32> {
        let mut rows = RowHeights::default();
        rows.set_layout(width, gap, |h, _| *h);
        rows.sync(heights.len(), |i| i, |i| heights[i], |h, _| *h);
        rows
    }

    #[test]
    fn only_rows_overlapping_the_view_are_drawn() {
        // Every row 90 high + 10 gap = 100 per row.
        let heights = rows(&[90.0; 1000], 500.0, 10.0);
        let plan = heights.plan((1050.0, 1350.0));
        assert_eq!(plan.visible, 10..14);
        assert_eq!(plan.space_before, 1000.0);
        assert_eq!(plan.space_after, (1000.0 - 14.0) * 100.0);
        // The top and the bottom of the list.
        assert_eq!(heights.plan((0.0, 250.0)).visible, 0..3);
        let end = heights.plan((99_800.0, 100_000.0));
        assert_eq!(end.visible, 998..1000);
        assert_eq!(end.space_after, 0.0);
        // A view on a gap: the row above is not drawn, the row below is.
        assert_eq!(heights.plan((95.0, 99.0)).visible, 1..1);
        assert_eq!(heights.plan((95.0, 150.0)).visible, 1..2);
    }

    #[test]
    fn measured_heights_replace_estimates_until_the_width_changes() {
        let mut heights = rows(&[50.0, 50.0, 50.0], 500.0, 0.0);
        heights.record(0, 400.0);
        // Rows at 0–400 (measured), 400–450 and 450–500 (estimated).
        let plan = heights.plan((450.0, 460.0));
        assert_eq!(plan.visible, 2..3);
        assert_eq!(plan.space_before, 450.0);
        heights.set_layout(300.0, 0.0, |h, _| *h);
        let plan = heights.plan((450.0, 460.0));
        assert_eq!(plan.visible, 3..3, "past the end: nothing to draw");
        assert_eq!(plan.space_before, 150.0);
    }

    #[test]
    fn appended_rows_are_added_and_another_list_starts_afresh() {
        let mut heights = rows(&[10.0, 10.0], 500.0, 0.0);
        heights.record(1, 30.0);
        heights.sync(3, |i| i, |_| 5.0, |h, _| *h);
        assert_eq!(heights.plan((0.0, 1000.0)).space_after, 0.0);
        assert_eq!(
            heights.plan((40.0, 41.0)).visible,
            2..3,
            "10 + 30 measured, then 5"
        );
        // Another list (its first key differs): every row estimated again.
        heights.sync(2, |i| i + 100, |_| 7.0, |h, _| *h);
        assert_eq!(heights.plan((13.0, 14.0)).visible, 1..2);
        assert_eq!(heights.plan((13.0, 14.0)).space_before, 7.0);
        // The streaming row grows: only its estimate changes.
        heights.update_hint(1, 70.0, |h, _| *h);
        assert_eq!(heights.plan((0.0, 1.0)).space_after, 70.0);
    }

    #[test]
    fn prefix_sums_match_a_plain_sum_after_pushes_and_updates() {
        let mut tree = Fenwick::default();
        let mut plain = Vec::new();
        for i in 0..1000u32 {
            let value = f64::from(i % 37 + 1);
            tree.push(value);
            plain.push(value);
        }
        for i in (0..1000).step_by(7) {
            tree.set(i, 3.0);
            plain[i] = 3.0;
        }
        let built = Fenwick::from_values(plain.iter().copied());
        for count in [0, 1, 2, 63, 64, 65, 500, 999, 1000] {
            let expected: f64 = plain[..count].iter().sum();
            assert_eq!(tree.prefix(count), expected, "pushed, prefix({count})");
            assert_eq!(built.prefix(count), expected, "built, prefix({count})");
            assert_eq!(
                tree.count_at_most(expected),
                count,
                "count_at_most({expected})"
            );
        }
    }
}
