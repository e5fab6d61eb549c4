//! The `scanprep` command as a user runs it: outputs, JSON Lines, exit codes.

use std::path::PathBuf;
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_scanprep"))
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures")
        .join(name)
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("scanprep-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join(name)
}

#[test]
fn process_writes_a_group4_tiff_and_reports_json() {
    let out = tmp("page.tiff");
    let o = bin()
        .args(["process", "--json"])
        .arg(fixture("page-skew-plus3.png"))
        .arg("-o")
        .arg(&out)
        .output()
        .expect("runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let line: serde_json::Value = serde_json::from_slice(&o.stdout).expect("one JSON line");
    let skew = line["report"]["skew_degrees"]
        .as_f64()
        .expect("skew_degrees");
    assert!((skew - 3.0).abs() < 0.3, "{skew}");
    assert_eq!(line["report"]["output_format"], "tiff");
    let bytes = std::fs::read(&out).expect("output written");
    assert_eq!(&bytes[..4], b"II*\0");
}

#[test]
fn many_inputs_go_to_a_folder_and_one_failure_gives_exit_1() {
    let dir = tmp("batch");
    let missing = fixture("does-not-exist.png");
    let o = bin()
        .args(["process", "--json", "--format", "png"])
        .arg(fixture("page.webp"))
        .arg(&missing)
        .arg(fixture("two-column.png"))
        .arg("-o")
        .arg(&dir)
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(1));
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines.iter().filter(|l| l["ok"] == true).count(), 2);
    assert!(dir.join("page.png").exists() && dir.join("two-column.png").exists());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("does-not-exist.png"),
        "errors name the file"
    );
}

#[test]
fn corrupt_input_is_a_named_error() {
    let bad = tmp("bad.png");
    std::fs::write(&bad, b"\x89PNG\r\n\x1a\nthis is not really a png").expect("write");
    let o = bin()
        .args(["process", "--json"])
        .arg(&bad)
        .arg("-o")
        .arg(tmp("bad-out.tiff"))
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(1));
    let line: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(line["ok"], false);
    assert!(line["error"]["code"].as_str().is_some());
}

#[test]
fn usage_errors_exit_2() {
    let o = bin()
        .args(["process", "--binarization", "magic"])
        .arg(fixture("page.webp"))
        .args(["-o", "x.tiff"])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(2));
    let o = bin()
        .args(["process", "--jpeg-quality", "0"])
        .arg(fixture("page.webp"))
        .args(["-o", "x.jpg"])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn skew_prints_angle_and_confidence() {
    let o = bin()
        .arg("skew")
        .arg(fixture("page-skew-minus7.jpg"))
        .output()
        .expect("runs");
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert!(
        (v["skew_degrees"].as_f64().unwrap_or(0.0) + 7.0).abs() < 0.3,
        "{v}"
    );
    assert!(v["confidence"].as_f64().unwrap_or(0.0) > 0.3);
}

/// Runs `scanprep ARGS.. two-column.png -o OUT`.
fn run_on_two_column(args: &[&str], out: &std::path::Path) -> std::process::Output {
    bin()
        .args(args)
        .arg(fixture("two-column.png"))
        .arg("-o")
        .arg(out)
        .output()
        .expect("runs")
}

#[test]
fn binarize_keeps_the_size() {
    let out = tmp("bin.png");
    let o = run_on_two_column(&["binarize", "--method", "otsu"], &out);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let bytes = std::fs::read(&out).expect("written");
    // PNG IHDR: width and height at bytes 16..24.
    assert_eq!(
        u32::from_be_bytes([bytes[16], bytes[17], bytes[18], bytes[19]]),
        900
    );
    assert_eq!(
        u32::from_be_bytes([bytes[20], bytes[21], bytes[22], bytes[23]]),
        1273
    );
}

/// `--png-effort max` writes the same page as a smaller 1-bit PNG than the default; a wrong
/// value is a usage error (exit 2) that names the choices.
#[test]
fn png_effort_max_is_smaller() {
    let size = |effort: &str| {
        let out = tmp(&format!("effort-{effort}.png"));
        let o = run_on_two_column(&["process", "--png-effort", effort], &out);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let bytes = std::fs::read(&out).expect("written");
        // A 1-bit palette PNG.
        assert_eq!((&bytes[1..4], bytes[24], bytes[25]), (&b"PNG"[..], 1, 3));
        bytes.len()
    };
    let (fast, max) = (size("fast"), size("max"));
    assert!(max < fast, "max {max} bytes, fast {fast}");
    let o = run_on_two_column(&["process", "--png-effort", "tiny"], &tmp("never.png"));
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("fast, max"));
}

/// A panic while processing one input (forced here through the CLI's self-test variable)
/// becomes that input's `internal` error: the other inputs are still written, exit code 1.
#[test]
fn a_panic_on_one_input_fails_that_input_alone() {
    let dir = tmp("panic-batch");
    let doomed = fixture("page.webp");
    let o = bin()
        .env("SCANPREP_SELF_TEST_PANIC", &doomed)
        .args(["process", "--json", "--format", "png"])
        .arg(fixture("two-column.png"))
        .arg(&doomed)
        .arg(fixture("page-skew-plus3.png"))
        .arg("-o")
        .arg(&dir)
        .output()
        .expect("runs");
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(lines.len(), 3);
    for line in &lines {
        let failed = line["input"]
            .as_str()
            .is_some_and(|i| i.ends_with("page.webp"));
        assert_eq!(line["ok"], !failed, "{line}");
        if failed {
            assert_eq!(line["error"]["code"], "internal", "{line}");
        }
    }
    for name in ["two-column.png", "page-skew-plus3.png"] {
        let bytes = std::fs::read(dir.join(name)).expect("the other outputs are written");
        assert_eq!(&bytes[1..4], b"PNG");
    }
    assert!(!dir.join("page.png").exists());
}

/// An upload cut short is a `truncated_image` error, unless `--allow-truncated` is given; then
/// the report warns which rows are missing.
#[test]
fn a_truncated_input_fails_unless_allowed() {
    let whole = std::fs::read(fixture("photo-shadow.jpg")).expect("fixture");
    let cut = tmp("cut.jpg");
    std::fs::write(&cut, &whole[..whole.len() * 2 / 5]).expect("writes");
    let out = tmp("cut.tiff");
    let o = bin()
        .args(["process", "--json"])
        .arg(&cut)
        .arg("-o")
        .arg(&out)
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(1));
    let line: serde_json::Value = serde_json::from_slice(&o.stdout).expect("one JSON line");
    assert_eq!(line["error"]["code"], "truncated_image", "{line}");
    let o = bin()
        .args(["process", "--json", "--allow-truncated"])
        .arg(&cut)
        .arg("-o")
        .arg(&out)
        .output()
        .expect("runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let line: serde_json::Value = serde_json::from_slice(&o.stdout).expect("one JSON line");
    let warning = &line["report"]["warnings"][0];
    assert_eq!(warning["code"], "truncated_image", "{line}");
    assert!(
        warning["rows_missing"].as_u64().is_some_and(|n| n > 0),
        "{line}"
    );
}

/// JSON Lines of a run's stdout.
fn json_lines(stdout: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect()
}

#[test]
fn pdf_writes_one_document_and_reports_each_page_and_the_document() {
    let out = tmp("doc.pdf");
    let words = tmp("words.json");
    std::fs::write(
        &words,
        r#"{"words": [{"text": "Invoice", "bbox": [300, 300, 700, 360]}]}"#,
    )
    .expect("write");
    let o = bin()
        .args(["pdf", "--json", "--no-date"])
        .arg(fixture("two-column.png"))
        .arg(fixture("page-skew-plus3.png"))
        .arg("-o")
        .arg(&out)
        .arg("--ocr-words")
        .arg(&words)
        .arg(&words)
        .output()
        .expect("runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let lines = json_lines(&o.stdout);
    assert_eq!(lines.len(), 3, "two pages and the document");
    let pages: Vec<i64> = lines[..2]
        .iter()
        .map(|l| {
            assert_eq!(l["ok"], true);
            assert_eq!(l["media_type"], "image/x-jbig2", "bilevel pages are JBIG2");
            assert_eq!(l["words"], 1);
            l["page"].as_i64().expect("page number")
        })
        .collect();
    assert_eq!(pages, [1, 2], "in input order");
    assert_eq!(lines[2]["ok"], true);
    assert!(lines[2]["document"].is_object(), "{}", lines[2]);
    let pdf = std::fs::read(&out).expect("written");
    assert!(pdf.starts_with(b"%PDF-"));
    let tail = &pdf[pdf.len().saturating_sub(16)..];
    assert!(tail.windows(5).any(|w| w == b"%%EOF"), "a whole file");
    // The same pages give the same bytes without a date.
    let again = tmp("doc-again.pdf");
    let o = bin()
        .args(["pdf", "--no-date"])
        .arg(fixture("two-column.png"))
        .arg(fixture("page-skew-plus3.png"))
        .arg("-o")
        .arg(&again)
        .args(["--ocr-words"])
        .arg(&words)
        .arg(&words)
        .output()
        .expect("runs");
    assert!(o.status.success());
    assert_eq!(std::fs::read(&again).expect("written"), pdf);
}

#[test]
fn pdf_with_a_failing_page_writes_nothing_and_names_it() {
    let bad = tmp("bad-page.png");
    std::fs::write(&bad, b"\x89PNG\r\n\x1a\nnot a png at all").expect("write");
    let out = tmp("never.pdf");
    let o = bin()
        .args(["pdf", "--json"])
        .arg(fixture("two-column.png"))
        .arg(&bad)
        .arg("-o")
        .arg(&out)
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(1));
    assert!(!out.exists(), "no partial document");
    let lines = json_lines(&o.stdout);
    let failed: Vec<_> = lines.iter().filter(|l| l["ok"] == false).collect();
    assert_eq!(failed.len(), 1);
    assert!(failed[0]["input"]
        .as_str()
        .unwrap()
        .ends_with("bad-page.png"));
    assert!(failed[0]["error"]["code"].as_str().is_some());
    assert!(String::from_utf8_lossy(&o.stderr).contains("bad-page.png"));
}

#[test]
fn pdf_usage_errors_exit_2() {
    let words = tmp("one-words.json");
    std::fs::write(&words, r#"{"words": []}"#).expect("write");
    // One words file for two inputs.
    let o = bin()
        .arg("pdf")
        .arg(fixture("two-column.png"))
        .arg(fixture("page-skew-plus3.png"))
        .arg("-o")
        .arg(tmp("mismatch.pdf"))
        .arg("--ocr-words")
        .arg(&words)
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--ocr-words"));
    assert!(!tmp("mismatch.pdf").exists());
    let o = bin()
        .args(["pdf", "--binarization", "magic"])
        .arg(fixture("two-column.png"))
        .args(["-o", "x.pdf"])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(2));
}
