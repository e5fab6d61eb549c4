//! The whole pipeline: the budget chain on the A4 page after decoding, the default options on
//! the A4 page, and the default options on the 12 MP photo from its JPEG bytes.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use scanprep::{process, process_gray, Options};
use scanprep_benches::{a4_gray, budget_options, photo_jpeg};

fn pipeline(c: &mut Criterion) {
    let page = a4_gray();
    let mut g = c.benchmark_group("pipeline");
    g.sample_size(20);
    let budget = budget_options();
    g.bench_function("a4_budget_chain", |b| {
        b.iter_batched(
            || page.clone(),
            |p| process_gray(p, &budget, None),
            criterion::BatchSize::LargeInput,
        )
    });
    let defaults = Options::default();
    g.bench_function("a4_defaults", |b| {
        b.iter_batched(
            || page.clone(),
            |p| process_gray(p, &defaults, None),
            criterion::BatchSize::LargeInput,
        )
    });
    let jpeg = photo_jpeg();
    g.sample_size(10);
    g.bench_function("photo12mp_from_jpeg", |b| {
        b.iter(|| process(black_box(&jpeg), &defaults))
    });
    g.finish();
}

criterion_group!(benches, pipeline);
criterion_main!(benches);
