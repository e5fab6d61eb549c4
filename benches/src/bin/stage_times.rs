//! Quick per-stage timings on the A4 page (best of N runs), for local tuning when criterion's
//! statistics are more than needed: `cargo run --release -p scanprep-benches --bin stage_times`.

use std::time::Instant;

use scanprep::{
    binarize, clean, decode_image, detect_orientation, detect_page, detect_skew, encode_g4_tiff,
    normalize_background, rectify, resize_area, rotate, BinarizeParams, CleanParams, Limits,
    PageSize, PaperSize,
};

fn best<T>(n: usize, mut f: impl FnMut() -> T) -> f64 {
    let mut best = f64::MAX;
    for _ in 0..n {
        let t = Instant::now();
        std::hint::black_box(f());
        best = best.min(t.elapsed().as_secs_f64() * 1000.0);
    }
    best
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(7);
    let page = scanprep_benches::a4_gray();
    let bg = best(n, || {
        let mut p = page.clone();
        normalize_background(&mut p);
        p
    }) - best(n, || page.clone());
    let skew = detect_skew(&page, 45.0);
    let t_skew = best(n, || detect_skew(&page, 45.0));
    let t_rot = best(n, || rotate(&page, skew.degrees));
    let straight = rotate(&page, skew.degrees);
    let params = BinarizeParams::default();
    let t_bin = best(n, || binarize(&straight, &params));
    let (bits, rep) = binarize(&straight, &params);
    let cp = CleanParams {
        despeckle: true,
        max_speckle_pixels: None,
        remove_borders: true,
    };
    let t_clean = best(n, || {
        let mut b = bits.clone();
        clean(&mut b, &cp)
    }) - best(n, || bits.clone());
    let t_g4 = best(n, || encode_g4_tiff(&bits, Some(300)));
    let total = t_skew + t_rot + t_bin + t_clean + t_g4;
    let t_page = best(n, || detect_page(&page));
    let t_orient = best(n, || detect_orientation(&page));
    let photo = decode_image(&scanprep_benches::photo_jpeg(), &Limits::default())
        .expect("the photo decodes")
        .image;
    let p_page = best(n, || detect_page(&photo));
    let found = detect_page(&photo)
        .corners
        .expect("the photo's page is found");
    let a4 = PageSize::Named(PaperSize::A4);
    let p_rect = best(n, || {
        rectify(&photo, &found, a4, 9_000_000).expect("rectifies")
    });
    let out = rectify(&photo, &found, a4, 9_000_000)
        .expect("rectifies")
        .image;
    let frame = resize_area(&photo, 1280, 720);
    let f_page = best(n, || detect_page(&frame));
    // What a live preview asks for each frame: the page, and the capture verdict on it.
    let live = scanprep::Options {
        detect_orientation: false,
        ..scanprep::Options::default()
    };
    let f_detect = best(n, || {
        scanprep::detect_frame(frame.clone(), None, &live).expect("detects")
    });
    println!(
        "photo 12 MP: page {p_page:.1} | rectify to A4 {}x{} {p_rect:.1} | 1280x720 page {f_page:.1}, detect() {f_detect:.1}; A4 page {t_page:.1} | orientation {t_orient:.1}",
        out.width(),
        out.height()
    );
    println!("A4 2480x3508, best of {n} (ms): background {bg:.1} | skew {t_skew:.1} | rotate {t_rot:.1} | binarize {t_bin:.1} ({:?}) | clean {t_clean:.1} | g4 {t_g4:.1} | budget chain {total:.1}", rep.method);
}
