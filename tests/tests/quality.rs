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

/// A live preview judges the text on the page's middle (`detect_frame`): on phone-video frames
/// of pages on desks, it finds the same corners and gives the verdict the whole page gives,
/// with the same measures to within a pixel of text height and a few per cent of edge width.
#[test]
fn the_live_verdict_is_the_whole_pages() {
    use scanprep::{detect_frame, QualityReason as R};
    use scanprep_fixtures::{render_perspective, Capture, PerspectiveSpec};
    let o = Options {
        detect_orientation: false,
        ..Options::default()
    };
    for seed in 0..8 {
        let spec = PerspectiveSpec::random(seed, Capture::Video1080p);
        let frame = render_perspective(&spec).image;
        let whole = detect_gray(frame.clone(), &o).expect("a valid frame");
        let live = detect_frame(frame, None, &o).expect("a valid frame");
        assert_eq!(whole.corners, live.corners, "seed {seed}");
        let (w, l) = (&whole.quality, &live.quality);
        for r in [R::PageCutOff, R::TooBlurry, R::TextTooSmall, R::TooDark] {
            assert_eq!(
                w.reasons.contains(&r),
                l.reasons.contains(&r),
                "seed {seed} {r:?}: {w:?} / {l:?}"
            );
        }
        let (wm, lm) = (&w.measures, &l.measures);
        let th = (wm.text_height_px.unwrap(), lm.text_height_px.unwrap());
        assert!(
            (th.0 - th.1).abs() <= 1.0,
            "seed {seed}: text height {th:?}"
        );
        let ew = (wm.edge_width_px.unwrap(), lm.edge_width_px.unwrap());
        assert!(
            (ew.0 - ew.1).abs() <= 0.05 * ew.0,
            "seed {seed}: edge width {ew:?}"
        );
        let paper = (wm.paper_level.unwrap(), lm.paper_level.unwrap());
        assert!(
            (paper.0 - paper.1).abs() <= 5.0,
            "seed {seed}: paper {paper:?}"
        );
    }
}
