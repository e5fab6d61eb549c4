//! In-place heapsort (Williams 1964, Floyd's heap construction), for the few sorts the stages
//! need (quantiles, medians, TIFF tags, text-line points).
//!
//! The std sorts (pdqsort, driftsort, introselect) are faster on large inputs, but each
//! instance of them adds 2-5 KB of WebAssembly, and the engine had eight. A heapsort instance is
//! a few hundred bytes, allocates nothing, and is O(n log n) on every input; the slices sorted
//! here hold at most a few thousand items.

/// Sorts `v` so that no element is `less` than the one before it. Not stable: where the order
/// of equal items matters, make `less` a total order (for instance with an index).
pub(crate) fn sort_by<T>(v: &mut [T], less: impl Fn(&T, &T) -> bool) {
    let n = v.len();
    let sift = |v: &mut [T], mut root: usize, end: usize| loop {
        let mut child = 2 * root + 1;
        if child >= end {
            break;
        }
        if child + 1 < end && less(&v[child], &v[child + 1]) {
            child += 1;
        }
        if !less(&v[root], &v[child]) {
            break;
        }
        v.swap(root, child);
        root = child;
    };
    for i in (0..n / 2).rev() {
        sift(v, i, n);
    }
    for end in (1..n).rev() {
        v.swap(0, end);
        sift(v, 0, end);
    }
}

/// Sorts `v` so that no element is `less` than the one before it, keeping equal elements in
/// their order (a stable sort, as `slice::sort_by`). Bottom-up merge sort with one buffer; a
/// merge of two runs already in order is skipped, so nearly sorted input costs ~n compares.
pub(crate) fn stable_sort_by<T: Copy>(v: &mut [T], less: impl Fn(&T, &T) -> bool) {
    let n = v.len();
    let mut buf: Vec<T> = Vec::with_capacity(n);
    let mut width = 1;
    while width < n {
        let mut lo = 0;
        while lo + width < n {
            let (mid, hi) = (lo + width, (lo + 2 * width).min(n));
            if less(&v[mid], &v[mid - 1]) {
                buf.clear();
                let (mut i, mut j) = (lo, mid);
                while i < mid && j < hi {
                    // Take from the right run only when strictly less: stability.
                    if less(&v[j], &v[i]) {
                        buf.push(v[j]);
                        j += 1;
                    } else {
                        buf.push(v[i]);
                        i += 1;
                    }
                }
                buf.extend_from_slice(&v[i..mid]);
                buf.extend_from_slice(&v[j..hi]);
                v[lo..hi].copy_from_slice(&buf);
            }
            lo = hi;
        }
        width *= 2;
    }
}

/// The element at index `len / 2` of the values sorted (the upper median), by counting in two
/// passes: O(n + max), and the same value any sort or selection would give. `None` when there
/// are none.
pub(crate) fn median_u32(v: impl Iterator<Item = u32> + Clone) -> Option<u32> {
    let max = v.clone().max()? as usize;
    let mut count = vec![0u32; max + 1];
    let mut n = 0usize;
    for x in v {
        if let Some(c) = count.get_mut(x as usize) {
            *c += 1;
        }
        n += 1;
    }
    let mut seen = 0usize;
    let want = n / 2;
    for (x, &c) in count.iter().enumerate() {
        seen += c as usize;
        if seen > want {
            return Some(x as u32);
        }
    }
    None
}

/// Sorts `f64`s by their IEEE total order (`f64::total_cmp`).
pub(crate) fn sort_f64(v: &mut [f64]) {
    sort_by(v, |a, b| a.total_cmp(b).is_lt());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::testutil::Rng;

    #[test]
    fn sorts_like_std() {
        let mut rng = Rng::new(5);
        for n in [0usize, 1, 2, 3, 7, 8, 100, 1000] {
            for range in [2u32, 50, 1 << 20] {
                let v: Vec<u32> = (0..n).map(|_| rng.below(range)).collect();
                let mut ours = v.clone();
                sort_by(&mut ours, |a, b| a < b);
                let mut want = v;
                want.sort_unstable();
                assert_eq!(ours, want, "{n} items below {range}");
            }
        }
        // Stable: pairs sorted by their first value keep the order of their second.
        for n in [0usize, 1, 5, 64, 1000, 3001] {
            let v: Vec<(u32, u32)> = (0..n as u32).map(|i| (rng.below(20), i)).collect();
            let mut ours = v.clone();
            stable_sort_by(&mut ours, |a, b| a.0 < b.0);
            let mut want = v.clone();
            want.sort_by_key(|p| p.0);
            assert_eq!(ours, want, "{n} pairs");
            let firsts: Vec<u32> = v.iter().map(|p| p.0).collect();
            let mut sorted = firsts.clone();
            sorted.sort_unstable();
            assert_eq!(
                median_u32(firsts.iter().copied()),
                sorted.get(n / 2).copied(),
                "{n} values"
            );
        }
        let mut f = vec![3.5, -0.0, 0.0, f64::NEG_INFINITY, 1e-300, -2.0];
        sort_f64(&mut f);
        let bits: Vec<u64> = f.iter().map(|x| x.to_bits()).collect();
        let want: Vec<u64> = [f64::NEG_INFINITY, -2.0, -0.0, 0.0, 1e-300, 3.5]
            .iter()
            .map(|x| x.to_bits())
            .collect();
        assert_eq!(bits, want);
    }
}
