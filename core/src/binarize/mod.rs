//! Binarization: turns the (background-normalised) gray page into ink and paper.
//!
//! Methods, one module each:
//! * [`otsu`]: one global threshold (Otsu 1979) — the fastest, exact on clean bimodal scans;
//! * [`sauvola`]: local mean/deviation threshold (Sauvola & Pietikäinen 2000);
//! * [`edge`]: stroke-edge local threshold (Lu, Su & Tan 2010; Su, Lu & Tan 2013) — the strong
//!   method for degraded pages: faint strokes, stains, bleed-through, uneven light;
//! * [`auto`]: picks one of them per image and reports which.
//!
//! Window sizes derive from the stroke width measured on the page (see [`stroke_width`]), never
//! from constants tuned to one data set. All arithmetic is integer or plain IEEE f64, so native
//! and wasm32 builds produce identical bits. No input panics: empty images give empty output.

mod auto;
pub(crate) use auto::{
    holds_ink, separability_of, CLEAN_ETA as CLEAN_SEPARABILITY, MIN_INK_CONTRAST,
};
mod boxsum;
mod edge;
pub(crate) mod otsu;
mod sauvola;

use serde::{Deserialize, Serialize};

use crate::{Binarization, BitImage, GrayImage};

/// What [`binarize`] should do.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BinarizeParams {
    /// The method; `Auto` picks one per image.
    pub method: Binarization,
    /// Window side in pixels for the local methods (odd; an even value is rounded up);
    /// `None` derives it from the stroke width.
    pub window: Option<u32>,
    /// Sauvola's sensitivity `k` (default 0.2); ignored by the other methods.
    pub k: Option<f32>,
    /// The page was smoothed against sensor noise ([`restore`](crate::restore) says): the
    /// edge method then thresholds at its edge pixels' mean, without half their deviation,
    /// which on such a page is mostly noise and makes strokes bold and merged.
    pub denoised: bool,
}

/// What [`binarize`] did, for the processing report.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct BinarizationReport {
    /// The method actually used (never `Auto`).
    pub method: Binarization,
    /// The global threshold (pixels `<=` it are ink), for Otsu.
    pub threshold: Option<u8>,
    /// The window side used by a local method.
    pub window: Option<u32>,
    /// The `k` used by Sauvola.
    pub k: Option<f32>,
    /// The estimated stroke width in pixels, when it was measured.
    #[serde(default)]
    pub stroke_width: Option<u32>,
    /// The contrast level above which a pixel is a stroke edge (edge method).
    #[serde(default)]
    pub contrast_threshold: Option<u8>,
    /// Why `auto` chose this method (empty when a method was requested).
    #[serde(default)]
    pub reason: String,
}

impl BinarizationReport {
    fn new(method: Binarization) -> Self {
        BinarizationReport {
            method,
            threshold: None,
            window: None,
            k: None,
            stroke_width: None,
            contrast_threshold: None,
            reason: String::new(),
        }
    }
}

/// Binarizes `img` (set bit = ink). The output has the size of the input. With
/// [`Binarization::None`] the result is Otsu's, since a bilevel image is asked for anyway.
pub fn binarize(img: &GrayImage, params: &BinarizeParams) -> (BitImage, BinarizationReport) {
    if img.width() == 0 || img.height() == 0 {
        let method = match params.method {
            Binarization::Auto | Binarization::None => Binarization::Otsu,
            m => m,
        };
        return (
            BitImage::new(img.width(), img.height()),
            BinarizationReport::new(method),
        );
    }
    match params.method {
        Binarization::Sauvola => run_sauvola(img, params),
        Binarization::Edge => run_edge(img, params),
        Binarization::Auto => auto::run_auto(img, params),
        _ => run_otsu(img),
    }
}

fn run_otsu(img: &GrayImage) -> (BitImage, BinarizationReport) {
    let (bits, t) = otsu::binarize_otsu(img);
    let mut rep = BinarizationReport::new(Binarization::Otsu);
    rep.threshold = Some(t);
    (bits, rep)
}

/// A user window (any size) as a radius, clamped to the image.
fn radius_from_window(window: u32, img: &GrayImage) -> usize {
    let side = window.clamp(3, 2001) as usize;
    let max_r = (img.width().max(img.height()) as usize).max(1);
    (side / 2).clamp(1, max_r)
}

fn run_sauvola(img: &GrayImage, params: &BinarizeParams) -> (BitImage, BinarizationReport) {
    let k = params
        .k
        .filter(|k| k.is_finite() && (0.0..=1.0).contains(k))
        .unwrap_or(sauvola::DEFAULT_K);
    let mut rep = BinarizationReport::new(Binarization::Sauvola);
    let r = match params.window {
        Some(wnd) => radius_from_window(wnd, img),
        None => {
            let sw = stroke_width(img, otsu_level(img));
            rep.stroke_width = Some(sw);
            sauvola_radius(sw, img)
        }
    };
    rep.window = Some(2 * r as u32 + 1);
    rep.k = Some(k);
    (sauvola::binarize_sauvola(img, r, k), rep)
}

/// Sauvola's window: large enough to hold several strokes and the paper between them.
fn sauvola_radius(stroke: u32, img: &GrayImage) -> usize {
    let r = (stroke as usize * 6).clamp(7, 60);
    r.min(img.width().max(img.height()) as usize)
}

fn run_edge(img: &GrayImage, params: &BinarizeParams) -> (BitImage, BinarizationReport) {
    run_edge_at(img, params, otsu_level(img))
}

/// On a page the denoise stage smoothed, the share of Otsu's contrast threshold that makes a
/// stroke edge: at 60 % faded, blurred and noisy pages read with 7 % fewer character errors
/// than at 100 % (`ocr_degraded 0 40 faded+blur+noise`: 9.94 % → 9.21 %), noisy ones the same.
const SMOOTHED_EDGE_PERCENT: u32 = 60;

/// [`run_edge`] with Otsu's `level` of the image already known.
fn run_edge_at(
    img: &GrayImage,
    params: &BinarizeParams,
    level: u8,
) -> (BitImage, BinarizationReport) {
    let mut rep = BinarizationReport::new(Binarization::Edge);
    let sw = stroke_width(img, level);
    rep.stroke_width = Some(sw);
    // The window (3×3 blocks) spans about two stroke widths plus a pixel (Lu et al.).
    let block = match params.window {
        Some(wnd) => (wnd.clamp(3, 2001) as usize).div_ceil(3),
        None => (2 * sw as usize + 1 + 1) / 3,
    }
    .min(img.width().max(img.height()) as usize)
    .max(1);
    let side = 3 * block as u32;
    let tc = edge::edge_threshold(img);
    // On a page smoothed against noise, the smoothing (and the blur it usually comes with)
    // took contrast from every edge, from the faint and thin strokes' most, while Otsu's split
    // still falls under the strong edges: the faint strokes' edges are kept with a lower one.
    let tc = if params.denoised {
        ((tc as u32 * SMOOTHED_EDGE_PERCENT + 50) / 100).max(1) as u8
    } else {
        tc
    };
    // Never ink: lighter than Otsu's level plus 15 % of the way to white (texture, stains).
    let light = (level as u32 + (255 - level as u32) * 15 / 100) as u8;
    // Always ink: darker than half Otsu's level (interiors of strokes wider than the window).
    let dark = level / 2;
    // Enough edges for both borders of a stroke crossing the window (Lu et al.'s Nmin ≈ window).
    let min_edges = 2 * side;
    let p = edge::EdgeParams {
        block,
        min_edges,
        dark,
        light,
        at_mean: params.denoised,
    };
    rep.window = Some(side);
    rep.contrast_threshold = Some(tc);
    let out = edge::binarize_edge(img, tc, &p);
    (out, rep)
}

/// Otsu's level of the image (0 for a uniform image). Tall images use every other row.
fn otsu_level(img: &GrayImage) -> u8 {
    otsu_level_of(&level_histogram(img))
}

/// The histogram [`otsu_level`] and `auto`'s separability use: every row, every other row
/// above 256 rows, every fourth above 1024.
pub(crate) fn level_histogram(img: &GrayImage) -> [u64; 256] {
    otsu::histogram_rows(
        img,
        if img.height() > 1024 {
            4
        } else if img.height() > 256 {
            2
        } else {
            1
        },
    )
}

/// Otsu's level of a [`level_histogram`] (0 when it has a single level).
pub(crate) fn otsu_level_of(hist: &[u64; 256]) -> u8 {
    match otsu::otsu_threshold(hist) {
        Some(t) => t as u8,
        None => 0,
    }
}

/// The typical stroke width in pixels: the most common length of horizontal ink runs under the
/// global threshold `level`, weighted by run length (so that single-pixel noise does not win),
/// over every other row. At least 1, at most 64.
pub(crate) fn stroke_width(img: &GrayImage, level: u8) -> u32 {
    const MAX: usize = 64;
    let mut hist = [0u64; MAX + 1];
    let step = if img.height() > 64 { 2 } else { 1 };
    let w = img.width() as usize;
    // Each row becomes a bit set (bit i of word k = pixel 64k + i is ink), built by a
    // vectorisable compare and a multiply per 8 pixels; the runs are then walked word by word
    // with trailing-zero counts, so the cost is per run, not per pixel.
    let mut mask = vec![0u8; w.next_multiple_of(64)];
    let mut words = vec![0u64; w.div_ceil(64)];
    for y in (0..img.height()).step_by(step) {
        let row = img.row(y);
        for (m, &p) in mask.iter_mut().zip(row) {
            *m = (p <= level) as u8;
        }
        for (word, c) in words.iter_mut().zip(mask.chunks_exact(64)) {
            let mut v = 0u64;
            for (k, b) in c.chunks_exact(8).enumerate() {
                let mut a = [0u8; 8];
                a.copy_from_slice(b);
                // Byte j of the little-endian word lands on bit j of the top byte.
                let bits = u64::from_le_bytes(a).wrapping_mul(0x0102_0408_1020_4080) >> 56;
                v |= bits << (8 * k);
            }
            *word = v;
        }
        let mut run = 0usize;
        for &word in &words {
            let mut bits = word;
            let mut left = 64u32;
            while left > 0 {
                if bits & 1 == 1 {
                    // Shifted-in high bits are 0, so `!bits` stops the count at `left`.
                    let ones = (!bits).trailing_zeros().min(left);
                    run += ones as usize;
                    left -= ones;
                    bits = bits.checked_shr(ones).unwrap_or(0);
                } else {
                    if run > 0 {
                        hist[run.min(MAX)] += 1;
                        run = 0;
                    }
                    if bits == 0 {
                        break;
                    }
                    let zeros = bits.trailing_zeros();
                    left -= zeros;
                    bits >>= zeros;
                }
            }
        }
        if run > 0 {
            hist[run.min(MAX)] += 1;
        }
    }
    let mut best = (0u64, 1usize);
    for (len, &c) in hist.iter().enumerate().take(MAX).skip(1) {
        let mass = c * len as u64;
        if mass > best.0 {
            best = (mass, len);
        }
    }
    best.1 as u32
}

/// The original per-pixel stroke width, kept as the reference for the tests.
#[cfg(test)]
fn stroke_width_reference(img: &GrayImage, level: u8) -> u32 {
    const MAX: usize = 64;
    let mut hist = [0u64; MAX + 1];
    let step = if img.height() > 64 { 2 } else { 1 };
    for y in (0..img.height()).step_by(step) {
        let mut run = 0usize;
        for &p in img.row(y) {
            if p <= level {
                run += 1;
            } else if run > 0 {
                hist[run.min(MAX)] += 1;
                run = 0;
            }
        }
        if run > 0 {
            hist[run.min(MAX)] += 1;
        }
    }
    let mut best = (0u64, 1usize);
    for (len, &c) in hist.iter().enumerate().take(MAX).skip(1) {
        let mass = c * len as u64;
        if mass > best.0 {
            best = (mass, len);
        }
    }
    best.1 as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A synthetic page: `w×h`, paper `paper(x, y)`, ink where `ink(x, y)` at 35 % of the paper.
    fn page(
        w: u32,
        h: u32,
        paper: impl Fn(u32, u32) -> u32,
        ink: impl Fn(u32, u32) -> bool,
    ) -> (GrayImage, BitImage) {
        let mut g = GrayImage::new(w, h, 255);
        let mut t = BitImage::new(w, h);
        for y in 0..h {
            for x in 0..w {
                let p = paper(x, y).min(255);
                let i = ink(x, y);
                // A little deterministic noise on the paper.
                let n = (x * 7 + y * 13) % 5;
                g.row_mut(y)[x as usize] = if i {
                    (p * 35 / 100 + n) as u8
                } else {
                    (p - n.min(p)) as u8
                };
                t.set(x, y, i);
            }
        }
        (g, t)
    }

    #[test]
    fn a_blank_textured_page_has_no_ink_with_auto() {
        // Paper with a soft gradient and ±6 levels of noise, no ink.
        let (g, _) = page(400, 300, |x, y| 236 + (x + y) / 60, |_, _| false);
        let mut g = g;
        for (i, p) in g.data_mut().iter_mut().enumerate() {
            *p = p.saturating_sub(((i * 2654435761) >> 28) as u8 % 12);
        }
        let (bits, rep) = binarize(&g, &BinarizeParams::default());
        assert_eq!(bits.count_ink(), 0, "{rep:?}");
        assert!(rep.reason.contains("no ink"), "{rep:?}");
    }

    /// Text-like ink: rows of 3-px-wide letters.
    fn text(x: u32, y: u32) -> bool {
        let (lx, ly) = (x % 14, y % 30);
        (8..22).contains(&ly)
            && (lx < 3 || ((8..11).contains(&ly) && lx < 10) || ((7..10).contains(&lx) && ly >= 15))
            && x > 10
    }

    fn accuracy(a: &BitImage, b: &BitImage) -> f64 {
        let s = crate::eval::score(a, b).unwrap();
        s.fm
    }

    const ALL: [Binarization; 5] = [
        Binarization::Otsu,
        Binarization::Sauvola,
        Binarization::Edge,
        Binarization::Auto,
        Binarization::None,
    ];

    fn run(img: &GrayImage, m: Binarization) -> (BitImage, BinarizationReport) {
        binarize(
            img,
            &BinarizeParams {
                method: m,
                ..Default::default()
            },
        )
    }

    #[test]
    fn clean_page_is_exact_for_every_method() {
        let (g, t) = page(203, 121, |_, _| 250, text);
        for m in ALL {
            let (b, rep) = run(&g, m);
            assert_eq!((b.width(), b.height()), (203, 121));
            assert_ne!(rep.method, Binarization::Auto);
            assert!(accuracy(&b, &t) > 97.0, "{m:?}: {}", accuracy(&b, &t));
        }
    }

    #[test]
    fn lighting_gradient_defeats_otsu_but_not_edge() {
        // Paper from 70 (left, in shadow) to 250; ink at 35 % of the local paper, so shadowed
        // paper is darker than lit ink and no global threshold can work.
        let (g, t) = page(420, 240, |x, _| 70 + 180 * x / 419, text);
        let (o, _) = run(&g, Binarization::Otsu);
        let (e, _) = run(&g, Binarization::Edge);
        let (s, _) = run(&g, Binarization::Sauvola);
        let fo = accuracy(&o, &t);
        let fe = accuracy(&e, &t);
        assert!(fo < 75.0, "otsu {fo}");
        assert!(fe > 95.0, "edge {fe}");
        assert!(accuracy(&s, &t) > 85.0, "sauvola {}", accuracy(&s, &t));
        // With the background normalised first, even Otsu recovers the page.
        let mut n = g.clone();
        crate::normalize_background(&mut n);
        assert!(accuracy(&run(&n, Binarization::Otsu).0, &t) > 95.0);
        assert!(accuracy(&run(&n, Binarization::Auto).0, &t) > 95.0);
    }

    #[test]
    fn uniform_pages_black_white_and_tiny() {
        for m in ALL {
            for (w, h) in [(1, 1), (7, 3), (1, 9), (13, 1), (67, 45)] {
                let (b, _) = run(&GrayImage::new(w, h, 255), m);
                assert_eq!(b.count_ink(), 0, "{m:?} white {w}x{h}");
                let (b, _) = run(&GrayImage::new(w, h, 230), m);
                assert_eq!(b.count_ink(), 0, "{m:?} light gray {w}x{h}");
                let (b, _) = run(&GrayImage::new(w, h, 0), m);
                assert_eq!(b.count_ink(), w as u64 * h as u64, "{m:?} black {w}x{h}");
            }
            let (b, _) = run(&GrayImage::new(0, 5, 0), m);
            assert_eq!((b.width(), b.height()), (0, 5));
        }
    }

    #[test]
    fn widths_not_multiple_of_eight_keep_padding_clear() {
        let (g, t) = page(61, 37, |_, _| 240, text);
        for m in ALL {
            let (b, _) = run(&g, m);
            let mut c = b.clone();
            c.clear_padding();
            assert_eq!(b, c, "{m:?}");
            assert!(accuracy(&b, &t) > 90.0, "{m:?}");
        }
    }

    #[test]
    fn explicit_window_and_k_are_reported() {
        let (g, _) = page(100, 60, |_, _| 240, text);
        let (_, rep) = binarize(
            &g,
            &BinarizeParams {
                method: Binarization::Sauvola,
                window: Some(30),
                k: Some(0.3),
                denoised: false,
            },
        );
        assert_eq!(rep.window, Some(31));
        assert_eq!(rep.k, Some(0.3));
        let (_, rep) = binarize(
            &g,
            &BinarizeParams {
                method: Binarization::Sauvola,
                window: Some(5000),
                k: Some(f32::NAN),
                denoised: false,
            },
        );
        assert_eq!(rep.k, Some(sauvola::DEFAULT_K));
        let (_, rep) = run(&g, Binarization::Otsu);
        assert!(rep.threshold.is_some());
        let json = serde_json_roundtrip(&rep);
        assert_eq!(json, rep);
    }

    fn serde_json_roundtrip(r: &BinarizationReport) -> BinarizationReport {
        serde_json::from_str(&serde_json::to_string(r).unwrap()).unwrap()
    }

    #[test]
    fn auto_picks_otsu_for_clean_pages_and_edge_for_uneven_ones() {
        let (g, _) = page(203, 121, |_, _| 250, text);
        let (_, rep) = run(&g, Binarization::Auto);
        assert_eq!(rep.method, Binarization::Otsu, "{}", rep.reason);
        let (g, _) = page(420, 240, |x, _| 70 + 180 * x / 419, text);
        let (_, rep) = run(&g, Binarization::Auto);
        assert_eq!(rep.method, Binarization::Edge, "{}", rep.reason);
        assert!(!rep.reason.is_empty());
    }

    #[test]
    fn stroke_width_matches_the_per_pixel_reference() {
        // Runs of every length 1..=150 (capped at 64), touching row ends and word borders.
        for w in [1u32, 7, 63, 64, 65, 130, 203] {
            let mut g = GrayImage::new(w, 80, 255);
            let mut seed = 12345u32 ^ w;
            for y in 0..80 {
                let mut x = 0u32;
                while x < w {
                    seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                    let len = 1 + (seed >> 16) % (1 + y * 2);
                    let ink = (seed >> 8) & 1 == 1;
                    for xx in x..(x + len).min(w) {
                        g.row_mut(y)[xx as usize] = if ink { (seed % 100) as u8 } else { 200 };
                    }
                    x += len;
                }
            }
            for level in [0u8, 50, 99, 128, 255] {
                assert_eq!(
                    stroke_width(&g, level),
                    stroke_width_reference(&g, level),
                    "w {w} level {level}"
                );
            }
        }
    }

    #[test]
    fn stroke_width_is_measured() {
        let (g, _) = page(300, 120, |_, _| 240, text);
        assert_eq!(stroke_width(&g, 128), 3);
    }

    /// Timing on an A4 page at 300 dpi: `cargo test --release -p scanprep --lib binarize::tests::timing -- --ignored --nocapture`
    #[test]
    #[ignore]
    fn timing_a4_300dpi() {
        let (mut g, _) = page(
            2480,
            3508,
            |x, y| 150 + (x + y) / 60,
            |x, y| text(x, y) && (y / 30) % 3 != 2,
        );
        let t0 = std::time::Instant::now();
        crate::normalize_background(&mut g);
        println!(
            "normalize_background: {:.1} ms",
            t0.elapsed().as_secs_f64() * 1e3
        );
        for m in [
            Binarization::Otsu,
            Binarization::Sauvola,
            Binarization::Edge,
            Binarization::Auto,
        ] {
            let reps = 5;
            let mut best = f64::MAX;
            for _ in 0..reps {
                let t0 = std::time::Instant::now();
                let (b, _) = run(&g, m);
                std::hint::black_box(b);
                best = best.min(t0.elapsed().as_secs_f64() * 1e3);
            }
            println!("{:8} {best:.1} ms", m.name());
        }
        let mut best = (f64::MAX, f64::MAX);
        for _ in 0..5 {
            let t0 = std::time::Instant::now();
            let h = otsu::histogram(&g);
            let t1 = std::time::Instant::now();
            let b = BitImage::from_gray_threshold(&g, 128);
            std::hint::black_box((h, b));
            best.0 = best.0.min((t1 - t0).as_secs_f64() * 1e3);
            best.1 = best.1.min(t1.elapsed().as_secs_f64() * 1e3);
        }
        println!(
            "otsu: histogram {:.1} ms, threshold and pack {:.1} ms",
            best.0, best.1
        );
    }
}
