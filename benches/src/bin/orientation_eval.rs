//! Orientation on rendered pages: every page turned by 0, 90, 180 and 270°, and pages without
//! text that must come out `unknown`. Seeds `--from`..`--to` (tune on one range, report another).
//!
//! `cargo run --release -p scanprep-benches --bin orientation_eval -- 1000 1040`

use scanprep::{detect_orientation, turn, GrayImage};
use scanprep_fixtures::fixtures::picture;
use scanprep_fixtures::{render_page, PageSpec};

fn main() {
    let a: Vec<u64> = std::env::args()
        .skip(1)
        .map(|s| s.parse().expect("a seed"))
        .collect();
    let (from, to) = (
        a.first().copied().unwrap_or(0),
        a.get(1).copied().unwrap_or(40),
    );
    let (mut right, mut wrong, mut unknown) = (0, 0, 0);
    for seed in from..to {
        let spec = PageSpec::varied(seed);
        let page = render_page(&spec).image;
        for t in [0u16, 90, 180, 270] {
            // Turn the upright page counter-clockwise by t: the fix is a clockwise turn by t.
            let shown = turn(page.clone(), (360 - t) % 360);
            let e = detect_orientation(&shown);
            match e.degrees {
                Some(d) if d == t => right += 1,
                Some(d) => {
                    wrong += 1;
                    println!(
                        "seed {seed} turn {t}: said {d} ({:.3}) {:?} {}px cols {} skew {:.1}",
                        e.confidence, spec.font, spec.text_px, spec.columns, spec.skew_degrees
                    );
                }
                None => {
                    unknown += 1;
                    println!(
                        "seed {seed} turn {t}: unknown {:?} {}px cols {} blur {:.1} noise {:.2}",
                        spec.font, spec.text_px, spec.columns, spec.blur, spec.noise
                    );
                }
            }
        }
    }
    let n = right + wrong + unknown;
    println!(
        "text pages: {n} cases, right {right} ({:.2}%), wrong {wrong}, unknown {unknown}",
        100.0 * right as f64 / n as f64
    );
    // Pages without text.
    let mut confident = 0;
    let mut total = 0;
    for seed in from..to {
        let blank = render_page(&PageSpec::textless(seed)).image;
        let pic: GrayImage = picture(1200, 900, seed);
        for img in [blank, pic] {
            total += 1;
            if let Some(d) = detect_orientation(&img).degrees {
                confident += 1;
                println!("seed {seed}: no text, said {d}");
            }
        }
    }
    println!("pages without text: {total}, a confident answer on {confident}");
}
