//! The instruction-count gate: runs every benchmark of `scanprep_benches::gate` under
//! `valgrind --tool=callgrind`, counting only the measured call, and compares instructions and
//! peak heap with the committed budgets in `benches/budgets.json`.
//!
//! ```text
//! callgrind_gate [--bless] [--only TEXT] [--jobs N] [--budgets FILE] [--inputs DIR]
//! callgrind_gate --calibrate WASM [--runs N]     # measure the instructions → Worker ms factor
//! ```
//!
//! Exit status: 0 when every benchmark is within its budget (plus tolerance), 1 when one is
//! over (each failure is named with its figures), 2 when the gate could not run (valgrind
//! missing, no budget for a benchmark, a benchmark that crashed).
//! `benches/gate.sh` builds the release binaries and runs this; see `benches/README.md`.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use serde_json::{json, Map, Value};

use scanprep_benches::gate::{benchmarks, prepare_inputs, TOGGLE_PATTERN};

/// The CPU-time limits a Worker may run under, in milliseconds.
const LIMITS_MS: [f64; 3] = [10.0, 50.0, 30_000.0];

/// Benchmarks shorter than this are not timed for the conversion (their time is noise).
const MIN_CALIBRATION_INSTRUCTIONS: u64 = 1_000_000;

struct Args {
    bless: bool,
    only: Option<String>,
    jobs: usize,
    budgets: PathBuf,
    inputs: PathBuf,
    calibrate: Option<PathBuf>,
    runs: usize,
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("benches/ has a parent")
        .to_path_buf()
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        bless: false,
        only: None,
        jobs: std::thread::available_parallelism().map_or(1, |n| n.get()),
        budgets: root().join("benches/budgets.json"),
        inputs: root().join("target/gate-inputs"),
        calibrate: None,
        runs: 7,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut val = |name: &str| it.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--bless" => a.bless = true,
            "--only" => a.only = Some(val("--only")?),
            "--jobs" => a.jobs = val("--jobs")?.parse().map_err(|_| "--jobs N")?,
            "--budgets" => a.budgets = val("--budgets")?.into(),
            "--inputs" => a.inputs = val("--inputs")?.into(),
            "--calibrate" => a.calibrate = Some(val("--calibrate")?.into()),
            "--runs" => a.runs = val("--runs")?.parse().map_err(|_| "--runs N")?,
            "-h" | "--help" => {
                return Err("usage: callgrind_gate [--bless] [--only TEXT] [--jobs N] \
                            [--budgets FILE] [--inputs DIR] | --calibrate WASM [--runs N]"
                    .into())
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    a.jobs = a.jobs.max(1);
    Ok(a)
}

/// One benchmark's measured figures.
#[derive(Clone, Debug)]
struct Measured {
    name: String,
    instructions: u64,
    peak_heap: u64,
    result: String,
}

fn target_bin() -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    exe.with_file_name(format!("gate_target{}", std::env::consts::EXE_SUFFIX))
}

fn valgrind_version() -> Option<String> {
    let out = Command::new("valgrind").arg("--version").output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Runs one benchmark under callgrind.
fn run_one(name: &str, inputs: &Path) -> Result<Measured, String> {
    let out_file = inputs.join(format!("callgrind.{}.out", name.replace('/', "_")));
    let _ = std::fs::remove_file(&out_file);
    let out = Command::new("valgrind")
        .arg("--tool=callgrind")
        .arg(format!("--callgrind-out-file={}", out_file.display()))
        .arg(format!("--toggle-collect={TOGGLE_PATTERN}"))
        .arg(target_bin())
        .arg(name)
        .arg(inputs)
        .output()
        .map_err(|e| format!("{name}: cannot run valgrind: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!(
            "{name}: the benchmark failed under valgrind ({}):\n{stdout}{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let field = |key: &str| {
        stdout
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .map(str::to_string)
    };
    let peak_heap = field("peak_heap_bytes=")
        .and_then(|s| s.parse().ok())
        .ok_or(format!("{name}: no peak_heap_bytes in the output"))?;
    let result = field("result=").unwrap_or_default();
    let text = std::fs::read_to_string(&out_file)
        .map_err(|e| format!("{name}: no callgrind output {}: {e}", out_file.display()))?;
    let instructions = text
        .lines()
        .find_map(|l| {
            l.strip_prefix("totals:")
                .or_else(|| l.strip_prefix("summary:"))
        })
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .ok_or(format!("{name}: no totals in {}", out_file.display()))?;
    if instructions == 0 {
        return Err(format!(
            "{name}: callgrind counted 0 instructions: the function {TOGGLE_PATTERN} was not \
             found (renamed, or inlined despite #[inline(never)]?)"
        ));
    }
    let _ = std::fs::remove_file(&out_file);
    Ok(Measured {
        name: name.to_string(),
        instructions,
        peak_heap,
        result,
    })
}

/// Runs `names` on `jobs` threads, in order of the list.
fn run_all(names: &[String], inputs: &Path, jobs: usize) -> Vec<Result<Measured, String>> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<Measured, String>>>> = Mutex::new(vec![None; names.len()]);
    std::thread::scope(|s| {
        for _ in 0..jobs.min(names.len()) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(name) = names.get(i) else { break };
                let r = run_one(name, inputs);
                match &r {
                    Ok(m) => eprintln!(
                        "  {:<24} {:>15} instructions  {:>12} bytes peak heap  ({})",
                        m.name,
                        group(m.instructions),
                        group(m.peak_heap),
                        m.result
                    ),
                    Err(e) => eprintln!("  {e}"),
                }
                results.lock().expect("lock")[i] = Some(r);
            });
        }
    });
    results
        .into_inner()
        .expect("lock")
        .into_iter()
        .map(|r| r.expect("every benchmark ran"))
        .collect()
}

/// 1234567 → "1,234,567".
fn group(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn load_budgets(path: &Path) -> Result<Value, String> {
    match std::fs::read_to_string(path) {
        Ok(t) => serde_json::from_str(&t).map_err(|e| format!("{}: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(json!({})),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

fn f64_at(v: &Value, path: &[&str], default: f64) -> f64 {
    let mut cur = v;
    for p in path {
        match cur.get(p) {
            Some(x) => cur = x,
            None => return default,
        }
    }
    cur.as_f64().unwrap_or(default)
}

fn save_budgets(path: &Path, v: &Value) -> Result<(), String> {
    let text = serde_json::to_string_pretty(v).expect("serialises") + "\n";
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

/// The default tolerances, written by `--bless` when the file has none.
fn default_tolerance() -> Value {
    json!({
        "fail_above": 0.02,
        "tighten_below": 0.10,
        "min_slack_instructions": 100000,
        "min_slack_heap_bytes": 65536,
        "note": "a figure more than fail_above over its budget (and at least the min slack) fails; one more than tighten_below under it asks for the budget to be tightened"
    })
}

/// Estimated Worker CPU time in ms for `instructions` of benchmark `name`.
fn worker_ms(budgets: &Value, name: &str, instructions: u64) -> Option<f64> {
    let w = budgets.get("worker")?;
    let k = w
        .get("per_benchmark")
        .and_then(|p| p.get(name))
        .and_then(|b| b.get("ns_per_instruction"))
        .and_then(Value::as_f64)
        .or_else(|| w.get("ns_per_instruction").and_then(Value::as_f64))?;
    Some(instructions as f64 * k / 1e6)
}

fn fits(ms: Option<f64>) -> [&'static str; 3] {
    LIMITS_MS.map(|l| match ms {
        Some(m) if m <= l => "yes",
        Some(_) => "**no**",
        None => "?",
    })
}

fn fmt_ms(ms: Option<f64>) -> String {
    match ms {
        Some(m) if m < 10.0 => format!("{m:.2} ms"),
        Some(m) => format!("{m:.0} ms"),
        None => "?".into(),
    }
}

fn pct(now: u64, budget: u64) -> f64 {
    (now as f64 / budget as f64 - 1.0) * 100.0
}

enum Verdict {
    Ok,
    Over(String),
    Under(String),
}

fn judge(what: &str, name: &str, now: u64, budget: u64, tol: &Value, slack_key: &str) -> Verdict {
    let over = f64_at(tol, &["fail_above"], 0.02);
    let under = f64_at(tol, &["tighten_below"], 0.10);
    let slack = f64_at(tol, &[slack_key], 0.0);
    let allowed = (budget as f64 * (1.0 + over)).max(budget as f64 + slack);
    if now as f64 > allowed {
        Verdict::Over(format!(
            "FAIL {name}: {what} {} over budget {} ({:+.1}%, tolerance +{:.0}%)",
            group(now),
            group(budget),
            pct(now, budget),
            over * 100.0
        ))
    } else if (now as f64) < budget as f64 * (1.0 - under)
        && budget.saturating_sub(now) as f64 > slack
    {
        Verdict::Under(format!(
            "{name}: {what} {} beats budget {} ({:+.1}%): beats budget, tighten it \
             (callgrind_gate --bless)",
            group(now),
            group(budget),
            pct(now, budget)
        ))
    } else {
        Verdict::Ok
    }
}

fn gate(args: &Args, names: &[String]) -> Result<ExitCode, String> {
    let budgets = load_budgets(&args.budgets)?;
    eprintln!(
        "callgrind_gate: {} benchmarks under callgrind, {} at a time ({})",
        names.len(),
        args.jobs,
        valgrind_version().unwrap_or_default()
    );
    let results = run_all(names, &args.inputs, args.jobs);
    let mut crashed = Vec::new();
    let measured: Vec<Measured> = results
        .into_iter()
        .filter_map(|r| r.map_err(|e| crashed.push(e)).ok())
        .collect();
    if !crashed.is_empty() {
        for e in &crashed {
            eprintln!("callgrind_gate: {e}");
        }
        return Ok(ExitCode::from(2));
    }

    if args.bless {
        let mut b = budgets.clone();
        let obj = b.as_object_mut().ok_or("budgets.json is not an object")?;
        obj.entry("tolerance").or_insert_with(default_tolerance);
        let benches = obj
            .entry("benchmarks")
            .or_insert_with(|| Value::Object(Map::new()))
            .as_object_mut()
            .ok_or("benchmarks is not an object")?;
        for m in &measured {
            benches.insert(
                m.name.clone(),
                json!({"instructions": m.instructions, "peak_heap_bytes": m.peak_heap}),
            );
        }
        save_budgets(&args.budgets, &b)?;
        eprintln!(
            "callgrind_gate: wrote {} budgets to {}",
            measured.len(),
            args.budgets.display()
        );
        print_table(&b, &measured);
        return Ok(ExitCode::SUCCESS);
    }

    print_table(&budgets, &measured);
    let tol = budgets
        .get("tolerance")
        .cloned()
        .unwrap_or_else(default_tolerance);
    let (mut fails, mut tighten, mut missing) = (Vec::new(), Vec::new(), Vec::new());
    for m in &measured {
        let Some(b) = budgets.get("benchmarks").and_then(|b| b.get(&m.name)) else {
            missing.push(m.name.clone());
            continue;
        };
        let bi = b.get("instructions").and_then(Value::as_u64).unwrap_or(0);
        let bh = b
            .get("peak_heap_bytes")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        for v in [
            judge(
                "instructions",
                &m.name,
                m.instructions,
                bi,
                &tol,
                "min_slack_instructions",
            ),
            judge(
                "peak heap bytes",
                &m.name,
                m.peak_heap,
                bh,
                &tol,
                "min_slack_heap_bytes",
            ),
        ] {
            match v {
                Verdict::Over(s) => fails.push(s),
                Verdict::Under(s) => tighten.push(s),
                Verdict::Ok => {}
            }
        }
    }
    println!();
    for s in &tighten {
        println!("{s}");
    }
    for s in &fails {
        println!("{s}");
    }
    if !missing.is_empty() {
        println!(
            "FAIL no budget for {} in {}: run callgrind_gate --bless and commit it",
            missing.join(", "),
            args.budgets.display()
        );
        return Ok(ExitCode::from(2));
    }
    if fails.is_empty() {
        println!(
            "callgrind_gate: all {} benchmarks within budget{}",
            measured.len(),
            if tighten.is_empty() {
                ""
            } else {
                " (some beat it: tighten)"
            }
        );
        Ok(ExitCode::SUCCESS)
    } else {
        println!("callgrind_gate: {} over budget", fails.len());
        Ok(ExitCode::from(1))
    }
}

fn print_table(budgets: &Value, measured: &[Measured]) {
    println!(
        "| benchmark | instructions | budget | Δ | peak heap (bytes) | budget | Δ | est. Worker CPU | ≤10 ms | ≤50 ms | ≤30 s |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|:-:|:-:|:-:|");
    for m in measured {
        let b = budgets.get("benchmarks").and_then(|b| b.get(&m.name));
        let bi = b
            .and_then(|b| b.get("instructions"))
            .and_then(Value::as_u64);
        let bh = b
            .and_then(|b| b.get("peak_heap_bytes"))
            .and_then(Value::as_u64);
        let d = |now: u64, b: Option<u64>| match b {
            Some(b) if b > 0 => format!("{:+.1}%", pct(now, b)),
            _ => "–".into(),
        };
        let ms = worker_ms(budgets, &m.name, m.instructions);
        let [f10, f50, f30] = fits(ms);
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {f10} | {f50} | {f30} |",
            m.name,
            group(m.instructions),
            bi.map_or("–".into(), group),
            d(m.instructions, bi),
            group(m.peak_heap),
            bh.map_or("–".into(), group),
            d(m.peak_heap, bh),
            fmt_ms(ms),
        );
    }
}

/// Times `cmd` (a gate_target invocation with `--time`) and returns its fastest run in ms
/// (on a shared machine the fastest run is the least disturbed one).
fn best_ms(cmd: &mut Command) -> Result<f64, String> {
    let out = cmd.output().map_err(|e| format!("{cmd:?}: {e}"))?;
    let s = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!(
            "{cmd:?} failed: {s}{}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    s.split_whitespace()
        .find_map(|w| w.strip_prefix("min_ms="))
        .and_then(|v| v.parse().ok())
        .ok_or(format!("{cmd:?}: no min_ms in {s}"))
}

/// Measures, per benchmark, the fastest time of the same measured call natively and as
/// wasm32-wasip1 under Node (V8, the engine of workerd), and stores ns per (native, callgrind)
/// instruction in the budgets' `worker` section.
fn calibrate(args: &Args, names: &[String], wasm: &Path) -> Result<ExitCode, String> {
    let mut budgets = load_budgets(&args.budgets)?;
    let runner = root().join("scripts/run-wasi.mjs");
    let node_version = Command::new("node")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .map_err(|e| format!("node: {e}"))?;
    println!("| benchmark | instructions (budget) | native ms | wasm (Node {node_version}) ms | wasm / native | ns per instruction in V8 |");
    println!("|---|---:|---:|---:|---:|---:|");
    let mut per = Map::new();
    let mut ks = Vec::new();
    for name in names {
        let instr = budgets
            .get("benchmarks")
            .and_then(|b| b.get(name))
            .and_then(|b| b.get("instructions"))
            .and_then(Value::as_u64)
            .ok_or(format!(
                "no budget for {name}: run the gate with --bless first"
            ))?;
        let runs = args.runs.to_string();
        let native = best_ms(
            Command::new(target_bin())
                .arg(name)
                .arg(&args.inputs)
                .args(["--time", &runs]),
        )?;
        let wasm_ms = best_ms(
            Command::new("node")
                .arg(&runner)
                .arg(wasm)
                .arg(name)
                .arg(&args.inputs)
                .args(["--time", &runs]),
        )?;
        let k = wasm_ms * 1e6 / instr as f64;
        println!(
            "| {name} | {} | {native:.1} | {wasm_ms:.1} | {:.2} | {} |",
            group(instr),
            wasm_ms / native,
            if instr < MIN_CALIBRATION_INSTRUCTIONS {
                "(too short to time)".to_string()
            } else {
                format!("{k:.3}")
            }
        );
        if instr < MIN_CALIBRATION_INSTRUCTIONS {
            continue;
        }
        ks.push(k);
        per.insert(
            name.clone(),
            json!({
                "native_ms": (native * 100.0).round() / 100.0,
                "wasm_ms": (wasm_ms * 100.0).round() / 100.0,
                "ns_per_instruction": (k * 10000.0).round() / 10000.0,
            }),
        );
    }
    ks.sort_by(f64::total_cmp);
    let max_k = ks.last().copied().unwrap_or(0.0);
    let obj = budgets
        .as_object_mut()
        .ok_or("budgets.json is not an object")?;
    let worker = obj
        .entry("worker")
        .or_insert_with(|| Value::Object(Map::new()))
        .as_object_mut()
        .ok_or("worker is not an object")?;
    let merged = worker
        .entry("per_benchmark")
        .or_insert_with(|| Value::Object(Map::new()))
        .as_object_mut()
        .ok_or("per_benchmark is not an object")?;
    for (k, v) in per {
        merged.insert(k, v);
    }
    // The default is the largest factor of every benchmark stored, not only of this run (a
    // run with --only measures a few).
    let max_k = merged
        .values()
        .filter_map(|v| v.get("ns_per_instruction").and_then(Value::as_f64))
        .fold(max_k, f64::max);
    worker.insert(
        "ns_per_instruction".into(),
        json!((max_k * 10000.0).round() / 10000.0),
    );
    worker.insert(
        "method".into(),
        json!(format!(
            "fastest of {} runs of the same measured call built for wasm32-wasip1 \
             (+simd128, as the npm package) under Node {node_version} (V8), divided by the \
             callgrind instruction count of the native build; the default is the largest \
             per-benchmark factor. Measured on the project's build machine: \
             callgrind_gate --calibrate (benches/calibrate.sh).",
            args.runs
        )),
    );
    save_budgets(&args.budgets, &budgets)?;
    println!(
        "\ncallgrind_gate: conversion written to {} (default {max_k:.4} ns per instruction)",
        args.budgets.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let names: Vec<String> = benchmarks()
        .into_iter()
        .filter(|n| args.only.as_ref().is_none_or(|o| n.contains(o.as_str())))
        .collect();
    if names.is_empty() {
        eprintln!("callgrind_gate: no benchmark matches");
        return ExitCode::from(2);
    }
    let t = std::time::Instant::now();
    match prepare_inputs(&args.inputs) {
        Ok(()) => eprintln!(
            "callgrind_gate: inputs generated natively in {:.1} s into {}",
            t.elapsed().as_secs_f64(),
            args.inputs.display()
        ),
        Err(e) => {
            eprintln!(
                "callgrind_gate: cannot write inputs to {}: {e}",
                args.inputs.display()
            );
            return ExitCode::from(2);
        }
    }
    let r = match &args.calibrate {
        Some(wasm) => calibrate(&args, &names, wasm),
        None => {
            if valgrind_version().is_none() {
                eprintln!(
                    "callgrind_gate: valgrind is not installed (on Debian/Ubuntu: \
                     apt-get install -y valgrind); the instruction-count gate cannot run"
                );
                return ExitCode::from(2);
            }
            gate(&args, &names)
        }
    };
    r.unwrap_or_else(|e| {
        eprintln!("callgrind_gate: {e}");
        ExitCode::from(2)
    })
}
