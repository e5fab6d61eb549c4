//! Property tests: mutated real files and random pages through the whole pipeline never
//! panic, and every success is self-consistent.

use scanprep::{process, process_gray, Binarization, Format, GrayImage, Options};
use scanprep_tests::{fixture, Rng};

/// A value in `0..n` (n > 0).
fn below(rng: &mut Rng, n: u64) -> u64 {
    rng.next_u64() % n.max(1)
}

#[test]
fn mutated_files_never_panic() {
    let mut rng = Rng::new(42);
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
            match below(&mut rng, 4) {
                0 => {
                    for _ in 0..1 + below(&mut rng, 8) {
                        let i = below(&mut rng, b.len() as u64) as usize;
                        b[i] ^= 1 << below(&mut rng, 8);
                    }
                }
                1 => b.truncate(below(&mut rng, b.len() as u64) as usize),
                2 => {
                    // Corrupt the header region, where sizes and offsets live.
                    for _ in 0..4 {
                        let i = below(&mut rng, 64.min(b.len() as u64)) as usize;
                        b[i] = rng.next_u64() as u8;
                    }
                }
                _ => {
                    let i = below(&mut rng, b.len() as u64) as usize;
                    let junk: Vec<u8> = (0..below(&mut rng, 64))
                        .map(|_| rng.next_u64() as u8)
                        .collect();
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
    let mut rng = Rng::new(7);
    let methods = [
        Binarization::Auto,
        Binarization::Otsu,
        Binarization::Sauvola,
        Binarization::Edge,
        Binarization::None,
    ];
    for case in 0..40 {
        let (w, h) = (
            1 + below(&mut rng, 300) as u32,
            1 + below(&mut rng, 300) as u32,
        );
        let mut img = GrayImage::new(w, h, 255);
        let style = below(&mut rng, 3);
        for p in img.data_mut() {
            *p = match style {
                0 => rng.next_u64() as u8,
                1 => {
                    if below(&mut rng, 10) == 0 {
                        20
                    } else {
                        230
                    }
                }
                _ => 128 + (below(&mut rng, 20) as u8),
            };
        }
        let binarization = methods[below(&mut rng, methods.len() as u64) as usize];
        let format = if binarization == Binarization::None {
            [Format::GrayPng, Format::Jpeg][below(&mut rng, 2) as usize]
        } else {
            [Format::Tiff, Format::Png, Format::GrayPng, Format::Jpeg][below(&mut rng, 4) as usize]
        };
        let opts = Options {
            binarization,
            format,
            deskew: below(&mut rng, 2) == 0,
            normalize_background: below(&mut rng, 2) == 0,
            despeckle: below(&mut rng, 2) == 0,
            remove_borders: below(&mut rng, 2) == 0,
            max_skew_degrees: 0.5 + below(&mut rng, 45) as f32,
            window: if below(&mut rng, 3) == 0 {
                Some(3 + below(&mut rng, 60) as u32)
            } else {
                None
            },
            k: if below(&mut rng, 3) == 0 {
                Some(below(&mut rng, 100) as f32 / 100.0)
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
