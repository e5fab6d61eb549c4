//! Skew detection on generated pages with exactly known angles: nine DejaVu faces, 8–14 pt,
//! one and two columns, noise, blur, shading and JPEG artefacts.
//!
//! Requirements: within ±15°, mean absolute error ≤ 0.1° and no page off by more than 0.3°;
//! within ±45°, no page off by more than 1°. (`skew_eval` in benches/ runs larger sets.)

use scanprep::detect_skew;
use scanprep_fixtures::{render_page, skew_test_page, PageSpec};

fn errors(n: u64, max_deg: f64) -> Vec<(f64, f64, f64)> {
    (0..n)
        .map(|i| {
            // A different seed from `skew_eval`'s, so the two sets do not overlap.
            let s = skew_test_page(i, max_deg, 0x7e57);
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
    let e = detect_skew(&blank.image, 45.0);
    assert!(e.confidence < 0.3, "blank: {e:?}");
    // As in the pipeline: after background normalisation.
    let mut flat = blank.image.clone();
    scanprep::normalize_background(&mut flat);
    let e = detect_skew(&flat, 45.0);
    assert!(e.confidence < 0.3, "normalised blank: {e:?}");
    let picture = scanprep_fixtures::fixtures::picture(800, 600, 7);
    let e = detect_skew(&picture, 45.0);
    assert!(e.confidence < 0.3, "picture: {e:?}");
}
