//! The program `callgrind_gate` runs under valgrind, once per benchmark:
//! `gate_target BENCH INPUTS_DIR` loads the benchmark's input (written by the driver), runs
//! the one measured call and prints `peak_heap_bytes=N` and a digest of the result.
//! With `--time N` it instead runs the call N times and prints `median_ms=X` (used to measure
//! the instructions → Worker CPU time conversion, natively and as wasm32-wasip1 under Node).

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use scanprep_benches::gate::{load_job, measured};
use scanprep_benches::heap::{peak_of, CountingAlloc};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

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
    let (out, peak) = peak_of(|| measured(job));
    println!("peak_heap_bytes={peak}");
    println!("result={}", out.digest());
    ExitCode::SUCCESS
}
