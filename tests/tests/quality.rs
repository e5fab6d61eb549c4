//! The capture-quality verdict on rendered pages with a known defect: here blur, with the
//! sensor noise a camera adds after the lens has blurred the page.

use scanprep::{detect_gray, Options, QualityReason};
use scanprep_fixtures::{render_page, Font, PageSpec};

fn blur_verdict(seed: u64, blur: f32) -> (bool, Option<f64>) {
    let spec = PageSpec {
        font: [Font::Serif, Font::Sans, Font::SansCondensed, Font::Mono][(seed % 4) as usize],
        columns: 1 + (seed % 2) as u8,
        noise: 0.2,
        blur,
        seed,
        ..PageSpec::a4_150dpi()
    };
    let d = detect_gray(render_page(&spec).image, &Options::default()).expect("a valid page");
    (
        d.quality.reasons.contains(&QualityReason::TooBlurry),
        d.quality.measures.edge_width_px,
    )
}

#[test]
fn blurred_noisy_text_is_too_blurry_and_sharp_noisy_text_is_not() {
    // 10 pt at 150 dpi under a blur of σ 3.5 px: the glyphs merge. The noise drawn after the
    // blur used to give these pages sharp one-pixel steps (edge widths 1.2–1.7 px, below the
    // sharp limit), so they passed.
    for seed in [8, 11, 14] {
        let (blurry, edge) = blur_verdict(seed, 3.5);
        assert!(blurry, "seed {seed}: edge width {edge:?}");
        let (blurry, edge) = blur_verdict(seed, 0.6);
        assert!(!blurry, "seed {seed}, sharp: edge width {edge:?}");
    }
}
