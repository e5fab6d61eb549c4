//! The program `callgrind_gate` runs under valgrind, once per benchmark:
//! `gate_target BENCH INPUTS_DIR` loads the benchmark's input (written by the driver), runs
//! the one measured call and prints `peak_heap_bytes=N` and a digest of the result.
//! With `--time N` it instead runs the call N times and prints `median_ms=X` (used to measure
//! the instructions → Worker CPU time conversion, natively and as wasm32-wasip1 under Node).

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use scanprep_benches::gate::{load_job, measured};

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grow(by: usize) {
    let now = CURRENT.fetch_add(by, Ordering::Relaxed) + by;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grow(layout.size());
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grow(layout.size());
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size > layout.size() {
                grow(new_size - layout.size());
            } else {
                CURRENT.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (bench, dir) = match (args.first(), args.get(1)) {
        (Some(b), Some(d)) => (b.as_str(), Path::new(d)),
        _ => {
            eprintln!("usage: gate_target BENCH INPUTS_DIR [--time N]");
            return ExitCode::from(2);
        }
    };
    let load = || match load_job(dir, bench) {
        Ok(j) => j,
        Err(e) => {
            eprintln!(
                "gate_target: cannot load the input of {bench} from {}: {e}",
                dir.display()
            );
            std::process::exit(2);
        }
    };
    if args.get(2).map(String::as_str) == Some("--time") {
        let n: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(5).max(1);
        let mut ms = Vec::with_capacity(n);
        for _ in 0..n {
            let job = load();
            let t = Instant::now();
            let out = measured(job);
            ms.push(t.elapsed().as_secs_f64() * 1000.0);
            drop(std::hint::black_box(out));
        }
        ms.sort_by(f64::total_cmp);
        println!("median_ms={:.3} min_ms={:.3} runs={n}", ms[n / 2], ms[0]);
        return ExitCode::SUCCESS;
    }
    let job = load();
    let base = CURRENT.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let out = measured(job);
    let peak = PEAK.load(Ordering::Relaxed) - base;
    println!("peak_heap_bytes={peak}");
    println!("result={}", out.digest());
    ExitCode::SUCCESS
}
