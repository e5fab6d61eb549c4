//! Property tests: mutated real files and random pages through the whole pipeline never
//! panic, and every success is self-consistent.

use scanprep::{process, process_gray, Binarization, Format, GrayImage, Options};
use scanprep_tests::{fixture, Rng};

#[test]
fn mutated_files_never_panic() {
    let mut rng = Rng(42);
    let small = Options {
        max_pixels: 4_000_000,
        ..Options::default()
    };
    for name in [
        "page.webp",
        "scan-1bit.tiff",
        "picture.png",
        "photo-shadow.jpg",
    ] {
        let original = fixture(name);
        for _ in 0..12 {
            let mut b = original.clone();
            match rng.below(4) {
                0 => {
                    for _ in 0..1 + rng.below(8) {
                        let i = rng.below(b.len() as u64) as usize;
                        b[i] ^= 1 << rng.below(8);
                    }
                }
                1 => b.truncate(rng.below(b.len() as u64) as usize),
                2 => {
                    // Corrupt the header region, where sizes and offsets live.
                    for _ in 0..4 {
                        let i = rng.below(64.min(b.len() as u64)) as usize;
                        b[i] = rng.next() as u8;
                    }
                }
                _ => {
                    let i = rng.below(b.len() as u64) as usize;
                    let junk: Vec<u8> = (0..rng.below(64)).map(|_| rng.next() as u8).collect();
                    b.splice(i..i, junk);
                }
            }
            if let Ok(out) = process(&b, &small) {
                assert_eq!(out.report.output_bytes as usize, out.bytes.len());
                assert!(out.width > 0 && out.height > 0);
            }
        }
    }
}

#[test]
fn random_pages_with_random_options_are_consistent() {
    let mut rng = Rng(7);
    let methods = [
        Binarization::Auto,
        Binarization::Otsu,
        Binarization::Sauvola,
        Binarization::Edge,
        Binarization::None,
    ];
    for case in 0..40 {
        let (w, h) = (1 + rng.below(300) as u32, 1 + rng.below(300) as u32);
        let mut img = GrayImage::new(w, h, 255);
        let style = rng.below(3);
        for p in img.data_mut() {
            *p = match style {
                0 => rng.next() as u8,
                1 => {
                    if rng.below(10) == 0 {
                        20
                    } else {
                        230
                    }
                }
                _ => 128 + (rng.below(20) as u8),
            };
        }
        let binarization = methods[rng.below(methods.len() as u64) as usize];
        let format = if binarization == Binarization::None {
            [Format::GrayPng, Format::Jpeg][rng.below(2) as usize]
        } else {
            [Format::Tiff, Format::Png, Format::GrayPng, Format::Jpeg][rng.below(4) as usize]
        };
        let opts = Options {
            binarization,
            format,
            deskew: rng.below(2) == 0,
            normalize_background: rng.below(2) == 0,
            despeckle: rng.below(2) == 0,
            remove_borders: rng.below(2) == 0,
            max_skew_degrees: 0.5 + rng.below(45) as f32,
            window: if rng.below(3) == 0 {
                Some(3 + rng.below(60) as u32)
            } else {
                None
            },
            k: if rng.below(3) == 0 {
                Some(rng.below(100) as f32 / 100.0)
            } else {
                None
            },
            ..Options::default()
        };
        let out = process_gray(img, &opts, None)
            .unwrap_or_else(|e| panic!("case {case} ({w}x{h}, {opts:?}): {e}"));
        assert_eq!(out.media_type, format.media_type());
        assert!(out.width >= 1 && out.height >= 1);
        if !out.report.rotated {
            assert_eq!((out.width, out.height), (w, h), "case {case}");
        }
    }
}
