//! Each stage alone, on the A4 page at 300 dpi and on the 12 MP photo.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use scanprep::{
    binarize, clean, detect_skew, encode_g4_tiff, encode_jbig2, encode_png_bilevel, measure_text,
    normalize_background, reduce_to_working, rotate, BinarizeParams, CleanParams, Limits,
};
use scanprep_benches::{a4_gray, photo_gray, photo_jpeg};

fn stages(c: &mut Criterion, name: &str, page: &scanprep::GrayImage) {
    let mut g = c.benchmark_group(name);
    g.sample_size(20);
    g.bench_function("background", |b| {
        b.iter_batched_ref(
            || page.clone(),
            normalize_background,
            criterion::BatchSize::LargeInput,
        )
    });
    g.bench_function("skew", |b| b.iter(|| detect_skew(black_box(page), 45.0)));
    let skew = detect_skew(page, 45.0).degrees;
    g.bench_function("rotate", |b| b.iter(|| rotate(black_box(page), skew)));
    let straight = rotate(page, skew);
    let params = BinarizeParams::default();
    g.bench_function("binarize", |b| {
        b.iter(|| binarize(black_box(&straight), &params))
    });
    let (bits, _) = binarize(&straight, &params);
    let cp = CleanParams {
        despeckle: true,
        max_speckle_pixels: None,
        remove_borders: true,
    };
    g.bench_function("clean", |b| {
        b.iter_batched_ref(
            || bits.clone(),
            |x| clean(x, &cp),
            criterion::BatchSize::LargeInput,
        )
    });
    g.bench_function("text_size", |b| b.iter(|| measure_text(black_box(&bits))));
    g.bench_function("encode_g4", |b| {
        b.iter(|| encode_g4_tiff(black_box(&bits), Some(300)))
    });
    g.bench_function("encode_jbig2", |b| {
        b.iter(|| encode_jbig2(black_box(&bits), Some(300)))
    });
    g.bench_function("encode_png", |b| {
        b.iter(|| encode_png_bilevel(black_box(&bits), Some(300), scanprep::PngEffort::Fast))
    });
    g.finish();
}

fn a4(c: &mut Criterion) {
    stages(c, "a4", &a4_gray());
}

fn photo(c: &mut Criterion) {
    let jpeg = photo_jpeg();
    let mut g = c.benchmark_group("photo12mp");
    g.sample_size(10);
    g.bench_function("decode_jpeg", |b| {
        b.iter(|| scanprep::decode_image(black_box(&jpeg), &Limits::default()))
    });
    let gray = photo_gray();
    g.bench_function("resize_to_working", |b| {
        b.iter_batched(
            || gray.clone(),
            |p| reduce_to_working(p, 9_000_000),
            criterion::BatchSize::LargeInput,
        )
    });
    g.finish();
    let (working, _) = reduce_to_working(gray, 9_000_000);
    stages(c, "photo12mp_working", &working);
}

criterion_group!(benches, a4, photo);
criterion_main!(benches);
