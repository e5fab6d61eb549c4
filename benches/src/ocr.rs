//! Tesseract as the judge of the OCR evaluations: run it on an image, compare what it read
//! with the known text (character error rate).

use std::path::Path;
use std::process::Command;

/// What Tesseract (`tesseract` on the PATH, English data, automatic page segmentation) reads
/// from the encoded image `bytes`, written as `dir/name.png` first.
pub fn read(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(format!("{name}.png"));
    std::fs::write(&path, bytes).expect("write the image");
    let out = Command::new("tesseract")
        .env("OMP_THREAD_LIMIT", "1")
        .arg(&path)
        .arg("stdout")
        .args(["-l", "eng", "--psm", "3"])
        .output()
        .expect("tesseract runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Whitespace collapsed to single spaces.
pub fn normalise(s: &str) -> Vec<char> {
    let mut out = Vec::new();
    for w in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(w.chars());
    }
    out
}

/// Character error rate: the Levenshtein distance of `got` from `truth` over the truth's
/// length.
pub fn cer(got: &[char], truth: &[char]) -> f64 {
    let mut prev: Vec<usize> = (0..=got.len()).collect();
    let mut cur = vec![0; got.len() + 1];
    for (i, t) in truth.iter().enumerate() {
        cur[0] = i + 1;
        for (j, g) in got.iter().enumerate() {
            let sub = prev[j] + usize::from(t != g);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[got.len()] as f64 / truth.len().max(1) as f64
}
