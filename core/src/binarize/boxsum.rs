//! Streaming box sums: the sums of a per-pixel quantity over a `(2r+1)×(2r+1)` window clipped to
//! the image, one output row at a time, without a full-page integral image.
//!
//! A vertical accumulator holds, per column, the sum over the rows of the current window (u32:
//! `255² × 1001` still fits); it is updated by adding the row entering the window and subtracting
//! the one leaving. Each output row is then the horizontal running sum of that accumulator,
//! computed from a prefix sum. Memory is a few `width`-long vectors; every value is an integer,
//! so results are bit-identical on every target.

/// Vertical per-column accumulator of a window of rows.
pub(crate) struct ColumnSums {
    /// Per-column sums of the rows currently in the window.
    pub col: Vec<u32>,
    /// Prefix sum scratch (`width + 1`).
    prefix: Vec<u64>,
}

impl ColumnSums {
    /// An empty accumulator for rows of `width` values.
    pub fn new(width: usize) -> Self {
        ColumnSums {
            col: vec![0; width],
            prefix: vec![0; width + 1],
        }
    }

    /// Adds a row of values (`u8`, or `u16`-sized quantities such as squares) to the window.
    #[inline]
    pub fn add<T: Copy + Into<u32>>(&mut self, row: &[T]) {
        for (c, &v) in self.col.iter_mut().zip(row) {
            *c = c.wrapping_add(v.into());
        }
    }

    /// Removes a row previously added.
    #[inline]
    pub fn sub<T: Copy + Into<u32>>(&mut self, row: &[T]) {
        for (c, &v) in self.col.iter_mut().zip(row) {
            *c = c.wrapping_sub(v.into());
        }
    }

    /// Writes into `out[x]` the sum of `col` over columns `x-r..=x+r` clipped to the row.
    pub fn horizontal(&mut self, r: usize, out: &mut [u64]) {
        let w = self.col.len();
        let p = &mut self.prefix;
        let mut acc = 0u64;
        p[0] = 0;
        for (i, &c) in self.col.iter().enumerate() {
            acc += c as u64;
            p[i + 1] = acc;
        }
        for (x, o) in out.iter_mut().enumerate().take(w) {
            let lo = x.saturating_sub(r);
            let hi = (x + r + 1).min(w);
            *o = p[hi] - p[lo];
        }
    }
}

/// For each column `x`, how many columns the clipped window `x-r..=x+r` covers.
pub(crate) fn clipped_counts(len: usize, r: usize) -> Vec<u32> {
    (0..len)
        .map(|x| ((x + r + 1).min(len) - x.saturating_sub(r)) as u32)
        .collect()
}

/// The vertical window bookkeeping for output row `y` with radius `r` over `height` rows:
/// the rows to add before emitting row `y`, the row to remove (if any), and the number of rows
/// the clipped window covers.
#[inline]
pub(crate) fn window_step(
    y: usize,
    r: usize,
    height: usize,
) -> (std::ops::Range<usize>, Option<usize>, u32) {
    let add = if y == 0 {
        0..(r + 1).min(height)
    } else {
        (y + r).min(height)..(y + r + 1).min(height)
    };
    let sub = if y > r { Some(y - r - 1) } else { None };
    let rows = ((y + r + 1).min(height) - y.saturating_sub(r)) as u32;
    (add, sub, rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_brute_force() {
        let (w, h, r) = (7usize, 5usize, 2usize);
        let data: Vec<u8> = (0..w * h).map(|i| (i * 37 % 251) as u8).collect();
        let mut cs = ColumnSums::new(w);
        let mut out = vec![0u64; w];
        let counts = clipped_counts(w, r);
        let mut got = vec![0u64; w * h];
        let mut areas = vec![0u32; w * h];
        for y in 0..h {
            let (add, sub, rows) = window_step(y, r, h);
            for yy in add {
                cs.add(&data[yy * w..(yy + 1) * w]);
            }
            if let Some(yy) = sub {
                cs.sub(&data[yy * w..(yy + 1) * w]);
            }
            cs.horizontal(r, &mut out);
            got[y * w..(y + 1) * w].copy_from_slice(&out);
            for x in 0..w {
                areas[y * w + x] = rows * counts[x];
            }
        }
        for y in 0..h {
            for x in 0..w {
                let mut s = 0u64;
                let mut n = 0u32;
                for yy in y.saturating_sub(r)..(y + r + 1).min(h) {
                    for xx in x.saturating_sub(r)..(x + r + 1).min(w) {
                        s += data[yy * w + xx] as u64;
                        n += 1;
                    }
                }
                assert_eq!(got[y * w + x], s, "({x},{y})");
                assert_eq!(areas[y * w + x], n);
            }
        }
    }
}
