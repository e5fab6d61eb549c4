//! Cleaning: remove speckle noise and the black borders that scanners and dark backgrounds
//! leave, without eating dots, accents or punctuation.
//!
//! Method: connected components (8-connectivity) labelled on horizontal ink runs with
//! union-find (the run-based two-pass algorithm of Rosenfeld & Pfaltz, as in Leptonica).
//! The typical stroke width is the median ink run length; a speck is a component smaller than
//! a quarter of a stroke-width square (a full stop is about one stroke square, so it stays).
//! A border is a component that touches the image edge and spans more than a quarter of the
//! page in width or height.

use serde::{Deserialize, Serialize};

use crate::BitImage;

/// What to clean.
#[derive(Clone, Debug, Default)]
pub struct CleanParams {
    /// Remove small isolated specks of ink.
    pub despeckle: bool,
    /// Largest speck removed, in pixels of area; `None` derives it from the stroke width.
    pub max_speckle_pixels: Option<u32>,
    /// Remove large ink components touching the image edge.
    pub remove_borders: bool,
}

/// What cleaning removed.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct CleanReport {
    /// Number of specks removed.
    pub speckles_removed: u64,
    /// Ink pixels removed as borders.
    pub border_pixels_removed: u64,
    /// The speck size limit used, in pixels of area.
    pub max_speckle_pixels: u32,
}

/// One horizontal run of ink: columns `x0..x1` of row `y`.
#[derive(Clone, Copy)]
struct Run {
    y: u32,
    x0: u32,
    x1: u32,
}

/// Appends the ink runs of one packed row to `runs`, scanning 64 pixels at a time with
/// leading-zero counts (empty and full words are skipped whole).
fn row_runs(row: &[u8], width: u32, y: u32, runs: &mut Vec<Run>) {
    let mut x = 0u32;
    let mut start: Option<u32> = None;
    for chunk in row.chunks(8) {
        let mut buf = [0u8; 8];
        buf[..chunk.len()].copy_from_slice(chunk);
        let word = u64::from_be_bytes(buf);
        let nbits = chunk.len() as u32 * 8;
        if (word == 0 && start.is_none()) || (word == !0 && start.is_some()) {
            x += nbits;
            continue;
        }
        let mut pos = 0u32;
        while pos < nbits {
            let rest = word << pos;
            match start {
                None => {
                    let skip = rest.leading_zeros();
                    if skip >= nbits - pos {
                        break;
                    }
                    pos += skip;
                    start = Some(x + pos);
                }
                Some(s) => {
                    // Leading ones of `rest`; the zeros shifted in are not counted past nbits.
                    let ink = (!rest).leading_zeros();
                    if ink >= nbits - pos {
                        break;
                    }
                    pos += ink;
                    runs.push(Run {
                        y,
                        x0: s,
                        x1: x + pos,
                    });
                    start = None;
                }
            }
        }
        x += nbits;
    }
    if let Some(s) = start {
        runs.push(Run {
            y,
            x0: s,
            x1: x.min(width),
        });
    }
}

fn find(parent: &mut [u32], mut i: u32) -> u32 {
    while parent[i as usize] != i {
        let p = parent[i as usize];
        parent[i as usize] = parent[p as usize];
        i = p;
    }
    i
}

/// Connected components of a bilevel image, labelled on runs.
pub(crate) struct Components {
    runs: Vec<Run>,
    parent: Vec<u32>,
    /// Statistics per run index; meaningful at the roots (`root(i) == i`).
    stats: Vec<Comp>,
}

/// Statistics of one component.
#[derive(Clone, Copy)]
pub(crate) struct Comp {
    /// Ink pixels.
    pub area: u32,
    /// Bounding box, `x0..x1` × `y0..y1`.
    pub x0: u32,
    pub y0: u32,
    pub x1: u32,
    pub y1: u32,
    /// Sums of the pixel coordinates (centroid = sum / area).
    pub sum_x: u64,
    pub sum_y: u64,
}

impl Components {
    /// Labels the 8-connected components of `img`.
    pub(crate) fn label(img: &BitImage) -> Components {
        let (w, h) = (img.width(), img.height());
        let mut runs = Vec::new();
        let mut row_start = Vec::with_capacity(h as usize + 1);
        for y in 0..h {
            row_start.push(runs.len());
            row_runs(img.row(y), w, y, &mut runs);
        }
        row_start.push(runs.len());
        // Union runs that touch a run of the previous row (8-connectivity).
        let mut parent: Vec<u32> = (0..runs.len() as u32).collect();
        for y in 1..h as usize {
            let (mut p, pend) = (row_start[y - 1], row_start[y]);
            for c in row_start[y]..row_start[y + 1] {
                let cur = runs[c];
                while p < pend && runs[p].x1 < cur.x0 {
                    p += 1;
                }
                let mut q = p;
                while q < pend && runs[q].x0 <= cur.x1 {
                    let (a, b) = (find(&mut parent, q as u32), find(&mut parent, c as u32));
                    if a != b {
                        let (lo, hi) = if a < b { (a, b) } else { (b, a) };
                        parent[hi as usize] = lo;
                    }
                    q += 1;
                }
            }
        }
        let empty = Comp {
            area: 0,
            x0: u32::MAX,
            y0: u32::MAX,
            x1: 0,
            y1: 0,
            sum_x: 0,
            sum_y: 0,
        };
        let mut stats = vec![empty; runs.len()];
        for i in 0..runs.len() {
            let r = runs[i];
            let root = find(&mut parent, i as u32) as usize;
            parent[i] = root as u32;
            let c = &mut stats[root];
            let len = r.x1 - r.x0;
            c.area += len;
            c.x0 = c.x0.min(r.x0);
            c.x1 = c.x1.max(r.x1);
            c.y0 = c.y0.min(r.y);
            c.y1 = c.y1.max(r.y + 1);
            // Sum of x over the run: len * (x0 + x1 - 1) / 2, kept exact by doubling.
            c.sum_x += (len as u64 * (r.x0 as u64 + r.x1 as u64 - 1)) / 2;
            c.sum_y += len as u64 * r.y as u64;
        }
        Components {
            runs,
            parent,
            stats,
        }
    }

    /// The components' statistics (roots only).
    pub(crate) fn iter(&self) -> impl Iterator<Item = (usize, &Comp)> + '_ {
        self.stats
            .iter()
            .enumerate()
            .filter(|(i, c)| c.area > 0 && self.parent[*i] as usize == *i)
    }

    /// Lengths of all runs.
    fn run_lengths(&self) -> Vec<u32> {
        self.runs.iter().map(|r| r.x1 - r.x0).collect()
    }

    /// Clears the pixels of the components whose root is marked in `remove`.
    fn erase(&self, img: &mut BitImage, remove: &[bool]) {
        for (i, r) in self.runs.iter().enumerate() {
            // After `label`, every parent link points straight at its root.
            if remove[self.parent[i] as usize] {
                clear_run(img.row_mut(r.y), r.x0, r.x1);
            }
        }
    }
}

/// Cleans `img` in place.
pub fn clean(img: &mut BitImage, params: &CleanParams) -> CleanReport {
    clean_labelled(img, params, false).0
}

/// The components of a cleaned page as labelled before cleaning, and which of them (by
/// root) cleaning removed: what text sizing measures without labelling the page again.
pub(crate) struct Labelled {
    pub comps: Components,
    pub removed: Vec<bool>,
}

/// [`clean`], keeping its labelling (`None` when it labelled nothing: cleaning off, or an
/// empty page). With `lone_blots` (a page the denoise stage smoothed, despeckling on), the
/// blots that stand alone on the paper go too, on the same labelling (see [`lone_blots`]).
pub(crate) fn clean_labelled(
    img: &mut BitImage,
    params: &CleanParams,
    lone_blots: bool,
) -> (CleanReport, Option<Labelled>) {
    let mut report = CleanReport::default();
    if !params.despeckle && !params.remove_borders {
        return (report, None);
    }
    let (w, h) = (img.width(), img.height());
    if w == 0 || h == 0 {
        return (report, None);
    }
    let comps = Components::label(img);
    if comps.runs.is_empty() {
        return (report, None);
    }
    let stroke = median_stroke(&comps.run_lengths());
    let max_speck = params
        .max_speckle_pixels
        .unwrap_or_else(|| ((stroke * stroke) as f64 * 0.25).round().max(1.0) as u32);
    report.max_speckle_pixels = max_speck;

    let mut remove = vec![false; comps.runs.len()];
    for (root, c) in comps.iter() {
        let touches = c.x0 == 0 || c.y0 == 0 || c.x1 >= w || c.y1 >= h;
        if params.remove_borders && touches && ((c.x1 - c.x0) * 4 > w || (c.y1 - c.y0) * 4 > h) {
            remove[root] = true;
            report.border_pixels_removed += c.area as u64;
        } else if params.despeckle && c.area <= max_speck {
            remove[root] = true;
            report.speckles_removed += 1;
        }
    }
    if lone_blots && params.despeckle {
        report.speckles_removed += mark_lone_blots(img, &comps, stroke, &mut remove);
    }
    comps.erase(img, &remove);
    (
        report,
        Some(Labelled {
            comps,
            removed: remove,
        }),
    )
}

/// The largest lone blot removed, in squared stroke widths (a full stop measures 1–2).
const LONE_MAX_AREA: u32 = 4;
/// How far from any larger component, in stroke widths, a blot stands alone: farther than a
/// monospaced full stop from its letter (about half an x-height, 2–3 strokes).
const LONE_REACH: u32 = 5;

/// Marks in `remove` the lone blots of `img` (labelled as `comps`, its stroke `stroke` px): a
/// component of at most [`LONE_MAX_AREA`] squared stroke widths with no larger component
/// within [`LONE_REACH`] stroke widths of its bounding box. Noise that survives smoothing
/// leaves such blots on the paper, in the margins and between columns, where OCR reads them
/// as punctuation or takes them for text that joins the columns; a full stop, a comma or the
/// dot of an i lies near its letters (two blots side by side do not keep each other). Returns
/// how many it marked.
fn mark_lone_blots(img: &BitImage, comps: &Components, stroke: u32, remove: &mut [bool]) -> u64 {
    let (w, h) = (img.width(), img.height());
    let (max_area, reach) = (LONE_MAX_AREA * stroke * stroke, LONE_REACH * stroke);
    // The larger components alone, on a copy, are what keeps a small one.
    let mut small = remove.to_vec();
    for (root, c) in comps.iter() {
        small[root] |= c.area <= max_area;
    }
    let mut large = img.clone();
    comps.erase(&mut large, &small);
    let mut marked = 0;
    for (root, c) in comps.iter() {
        if remove[root] || c.area > max_area {
            continue;
        }
        let (x0, y0) = (c.x0.saturating_sub(reach), c.y0.saturating_sub(reach));
        let (x1, y1) = ((c.x1 + reach).min(w), (c.y1 + reach).min(h));
        if !any_ink(&large, x0, y0, x1, y1) {
            remove[root] = true;
            marked += 1;
        }
    }
    marked
}

/// Whether `x0..x1` × `y0..y1` holds any ink, tested a byte at a time inside the box.
fn any_ink(img: &BitImage, x0: u32, y0: u32, x1: u32, y1: u32) -> bool {
    for y in y0..y1 {
        let row = img.row(y);
        let mut x = x0;
        while x < x1 {
            let byte = row[(x >> 3) as usize];
            if x & 7 == 0 && x + 8 <= x1 {
                if byte != 0 {
                    return true;
                }
                x += 8;
            } else {
                if byte & (0x80 >> (x & 7)) != 0 {
                    return true;
                }
                x += 1;
            }
        }
    }
    false
}

/// The median ink run length, ignoring long runs (rules, borders), at least 1.
fn median_stroke(lengths: &[u32]) -> u32 {
    crate::sort::median_u32(lengths.iter().copied().filter(|&l| l <= 64)).map_or(1, |m| m.max(1))
}

fn clear_run(row: &mut [u8], x0: u32, x1: u32) {
    for x in x0..x1 {
        row[(x >> 3) as usize] &= !(0x80u8 >> (x & 7));
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Sets the rectangle `x0..x1` × `y0..y1` to ink.
    pub(crate) fn fill(img: &mut BitImage, x0: u32, y0: u32, x1: u32, y1: u32) {
        for y in y0..y1 {
            for x in x0..x1 {
                img.set(x, y, true);
            }
        }
    }

    fn all() -> CleanParams {
        CleanParams {
            despeckle: true,
            max_speckle_pixels: None,
            remove_borders: true,
        }
    }

    #[test]
    fn removes_specks_and_keeps_strokes_dots_and_commas() {
        let mut img = BitImage::new(200, 100);
        // Letters: 4-px strokes.
        for i in 0..10 {
            fill(&mut img, 10 + i * 15, 30, 14 + i * 15, 60);
        }
        fill(&mut img, 170, 56, 174, 60); // a full stop, one stroke square
        fill(&mut img, 180, 20, 183, 23); // an i-dot, 3x3
        img.set(100, 10, true); // specks
        img.set(50, 80, true);
        img.set(51, 81, true); // diagonal pair, 8-connected: one speck of 2
        let before = img.count_ink();
        let r = clean(&mut img, &all());
        assert_eq!(r.speckles_removed, 2);
        assert_eq!(img.count_ink(), before - 3);
        assert!(img.get(171, 57) && img.get(181, 21));
    }

    #[test]
    fn blots_alone_on_the_paper_go_punctuation_by_its_letters_stays() {
        // A line of letters (3-px strokes, 24 px high, x 20–158), with a monospaced full stop
        // 7 px after it, a comma under the line, and an i-dot 4 px over the last stem. The
        // stroke is 3 px: blots up to 36 px go when nothing larger lies within 15 px.
        let mut img = BitImage::new(400, 200);
        for i in 0..10 {
            fill(&mut img, 20 + i * 15, 40, 23 + i * 15, 64);
        }
        fill(&mut img, 155, 33, 158, 36); // i-dot
        fill(&mut img, 165, 60, 169, 64); // full stop
        fill(&mut img, 60, 64, 63, 69); // comma below the baseline

        // Blots of noise: alone in the margin, a pair side by side between "columns", and one
        // as large as the limit allows, all 40 px and more from the letters.
        fill(&mut img, 300, 150, 303, 153);
        fill(&mut img, 250, 120, 253, 122);
        fill(&mut img, 254, 123, 257, 126);
        fill(&mut img, 40, 150, 46, 156);
        // A blot above the size limit (a bullet, a picture's corner) stays wherever it is.
        fill(&mut img, 350, 20, 357, 27);
        let (r, _) = clean_labelled(&mut img, &all(), true);
        assert_eq!(r.speckles_removed, 4);
        for (x, y) in [(301, 151), (251, 121), (255, 124), (42, 152)] {
            assert!(!img.get(x, y), "the blot at {x},{y}");
        }
        for (x, y, what) in [
            (156, 34, "i-dot"),
            (166, 61, "full stop"),
            (61, 66, "comma"),
            (353, 23, "large blot"),
            (21, 50, "letter"),
        ] {
            assert!(img.get(x, y), "the {what}");
        }
    }

    #[test]
    fn removes_a_black_border_but_not_text_touching_the_edge() {
        let mut img = BitImage::new(300, 200);
        fill(&mut img, 0, 0, 12, 200); // scanner border on the left
        fill(&mut img, 290, 90, 300, 110); // a glyph cut by the right edge
        fill(&mut img, 100, 90, 104, 120);
        let r = clean(&mut img, &all());
        assert_eq!(r.border_pixels_removed, 12 * 200);
        assert!(!img.get(5, 100));
        assert!(img.get(295, 100) && img.get(101, 100));
    }

    #[test]
    fn explicit_limit_and_switches_are_respected() {
        let mut img = BitImage::new(64, 64);
        fill(&mut img, 10, 10, 13, 13);
        let mut off = img.clone();
        assert_eq!(
            clean(&mut off, &CleanParams::default()),
            CleanReport::default()
        );
        let p = CleanParams {
            despeckle: true,
            max_speckle_pixels: Some(9),
            remove_borders: false,
        };
        let r = clean(&mut img, &p);
        assert_eq!((r.speckles_removed, img.count_ink()), (1, 0));
    }

    #[test]
    fn word_scanning_finds_the_same_runs_as_a_pixel_walk() {
        let mut seed = 99u64;
        for width in [1u32, 7, 8, 9, 63, 64, 65, 130, 200] {
            let mut img = BitImage::new(width, 1);
            for x in 0..width {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                // Long runs of both colours, with some single pixels.
                if (seed >> 60) < 7 || x % 70 < 20 {
                    img.set(x, 0, true);
                }
            }
            let mut runs = Vec::new();
            row_runs(img.row(0), width, 0, &mut runs);
            let mut want = Vec::new();
            let mut x = 0;
            while x < width {
                if img.get(x, 0) {
                    let s = x;
                    while x < width && img.get(x, 0) {
                        x += 1;
                    }
                    want.push((s, x));
                } else {
                    x += 1;
                }
            }
            let got: Vec<(u32, u32)> = runs.iter().map(|r| (r.x0, r.x1)).collect();
            assert_eq!(got, want, "width {width}");
        }
    }

    #[test]
    fn empty_and_full_images_do_not_panic() {
        clean(&mut BitImage::new(0, 0), &all());
        let mut full = BitImage::new(13, 7);
        fill(&mut full, 0, 0, 13, 7);
        let r = clean(&mut full, &all());
        assert_eq!(r.border_pixels_removed, 91);
        assert_eq!(full.count_ink(), 0);
    }
}
