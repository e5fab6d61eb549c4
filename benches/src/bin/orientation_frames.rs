//! Orientation on phone frames: rendered 1080p video frames of pages on desks
//! (`PerspectiveSpec::random`), each turned by 0, 90, 180 and 270°, through `detect_gray`
//! (page detection, rectification, orientation), against the turn that undoes it. Small text
//! is common there, so many answers are `unknown`; a wrong answer is the failure.
//!
//! `cargo run --release -p scanprep-benches --bin orientation_frames -- FROM TO`

use scanprep::{detect_gray, turn, Options};
use scanprep_fixtures::{render_perspective, Capture, PerspectiveSpec};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let seeds = scanprep_benches::seed_range(&args, 80);
    let (mut right, mut wrong, mut unknown) = (0, 0, 0);
    for seed in seeds {
        let spec = PerspectiveSpec::random(seed, Capture::Video1080p);
        let photo = render_perspective(&spec);
        for t in [0u16, 90, 180, 270] {
            let img = if t == 0 {
                photo.image.clone()
            } else {
                turn(photo.image.clone(), t)
            };
            let d = match detect_gray(img, &Options::default()) {
                Ok(d) => d,
                Err(e) => {
                    println!("seed {seed} turn {t}: error {e}");
                    continue;
                }
            };
            match d.orientation_degrees {
                None => unknown += 1,
                Some(o) if o == (360 - t) % 360 => right += 1,
                Some(o) => {
                    wrong += 1;
                    println!(
                        "seed {seed} turned {t}: said {o} (confidence {})",
                        d.orientation_confidence
                    );
                }
            }
        }
    }
    println!("right {right}, wrong {wrong}, unknown {unknown}");
}
