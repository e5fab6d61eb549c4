//! Skew detection on generated pages with exactly known angles: nine DejaVu faces, 8–14 pt,
//! one and two columns, noise, blur, shading and JPEG artefacts.
//!
//! Requirements: within ±15°, mean absolute error ≤ 0.1° and no page off by more than 0.3°;
//! within ±45°, no page off by more than 1°. (`skew_eval` in benches/ runs larger sets.)

use scanprep::detect_skew;
use scanprep_fixtures::{render_page, rng::SplitMix64, Font, PageSpec};

fn spec(i: u64, max_deg: f64) -> PageSpec {
    let mut r = SplitMix64::new(0x7e57 ^ (i * 7919) ^ max_deg as u64);
    let angle = ((r.f64() * 2.0 - 1.0) * max_deg * 100.0).round() / 100.0;
    let pt = 8.0 + r.f64() * 6.0;
    PageSpec {
        font: Font::ALL[(i % 9) as usize],
        text_px: (pt * 150.0 / 72.0) as f32,
        columns: if i % 3 == 2 { 2 } else { 1 },
        skew_degrees: angle,
        noise: if i % 4 == 1 { 0.5 } else { 0.1 },
        blur: if i % 5 == 3 { 1.2 } else { 0.0 },
        shading: if i % 2 == 0 { 0.6 } else { 0.0 },
        jpeg_quality: if i % 3 == 1 { Some(60) } else { None },
        seed: 1000 + i,
        ..PageSpec::a4_150dpi()
    }
}

fn errors(n: u64, max_deg: f64) -> Vec<(f64, f64, f64)> {
    (0..n)
        .map(|i| {
            let s = spec(i, max_deg);
            let e = detect_skew(&render_page(&s).image, 45.0);
            (
                (e.degrees - s.skew_degrees).abs(),
                s.skew_degrees,
                e.confidence,
            )
        })
        .collect()
}

#[test]
fn within_15_degrees_mean_error_is_below_a_tenth_and_no_page_exceeds_0_3() {
    let errs = errors(27, 15.0);
    let mean = errs.iter().map(|e| e.0).sum::<f64>() / errs.len() as f64;
    let worst = errs.iter().map(|e| e.0).fold(0.0, f64::max);
    assert!(mean <= 0.1, "mean abs error {mean}: {errs:?}");
    assert!(worst <= 0.3, "max abs error {worst}: {errs:?}");
    assert!(
        errs.iter().all(|e| e.2 >= 0.3),
        "every text page is confident: {errs:?}"
    );
}

#[test]
fn within_45_degrees_no_page_is_off_by_more_than_one_degree() {
    let errs = errors(18, 45.0);
    let worst = errs.iter().map(|e| e.0).fold(0.0, f64::max);
    assert!(worst <= 1.0, "max abs error {worst}: {errs:?}");
}

#[test]
fn blank_pages_and_pictures_are_not_confident() {
    let blank = render_page(&PageSpec {
        shading: 0.5,
        noise: 0.3,
        ..PageSpec::blank(1240, 1754)
    });
    assert!(detect_skew(&blank.image, 45.0).confidence < 0.3);
    let picture = scanprep_fixtures::fixtures::picture(800, 600, 7);
    assert!(detect_skew(&picture, 45.0).confidence < 0.3);
}
