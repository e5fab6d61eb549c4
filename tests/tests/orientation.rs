//! Page orientation from the text alone, on rendered pages with known answers: each page shown
//! in the four quarter turns must come back upright, and pages without text must be `unknown`.

use scanprep::{detect_orientation, turn, GrayImage};
use scanprep_fixtures::fixtures::picture;
use scanprep_fixtures::{render_page, Font, PageSpec};

fn assert_upright_in_every_turn(page: &GrayImage, what: &str) {
    for t in [0u16, 90, 180, 270] {
        // Shown turned counter-clockwise by t: the fix is a clockwise turn by t.
        let shown = turn(page.clone(), (360 - t) % 360);
        let e = detect_orientation(&shown);
        assert_eq!(e.degrees, Some(t), "{what}, shown turned by {t}°: {e:?}");
        assert!(e.confidence >= 0.5, "{what}: {e:?}");
    }
}

#[test]
fn tightly_set_accented_text_is_read_the_right_way_up() {
    // 8 pt serif at 150 dpi in two columns, with accents between tight lines and letters that
    // touch: the median glyph top is the ascender line there, and the former estimate read
    // the page upside down in all four turns.
    let spec = PageSpec::varied(89);
    assert_eq!((spec.font, spec.columns), (Font::Serif, 2));
    assert_upright_in_every_turn(&render_page(&spec).image, "seed 89");
}

#[test]
fn blurred_and_noisy_pages_are_read_the_right_way_up() {
    // Blur 1.1 px with noise: these were `unknown` in three turns out of four, or two.
    for seed in [66, 86] {
        let spec = PageSpec::varied(seed);
        assert!(spec.blur > 1.0, "seed {seed}: {spec:?}");
        assert_upright_in_every_turn(&render_page(&spec).image, &format!("seed {seed}"));
    }
}

#[test]
fn pages_without_text_are_unknown() {
    for seed in 0..4 {
        let blank = render_page(&PageSpec::textless(seed)).image;
        assert_eq!(detect_orientation(&blank).degrees, None, "blank {seed}");
        let pic = picture(1200, 900, seed);
        assert_eq!(detect_orientation(&pic).degrees, None, "picture {seed}");
    }
}
