//! Shared helpers of the integration tests: the committed fixtures and a small deterministic
//! random generator.

use std::path::PathBuf;

/// The repository's `fixtures/` folder.
pub fn fixtures_dir() -> PathBuf {
    // No `..` in the path: WASI runtimes resolve paths lexically inside the mounted folder.
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest
        .parent()
        .map_or(manifest.clone(), |p| p.to_path_buf())
        .join("fixtures")
}

/// Bytes of a committed fixture.
pub fn fixture(name: &str) -> Vec<u8> {
    let p = fixtures_dir().join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The fixtures' manifest entries (file name and known facts).
pub fn manifest() -> Vec<serde_json::Value> {
    let m: serde_json::Value =
        serde_json::from_slice(&fixture("manifest.json")).expect("manifest.json parses");
    m["files"].as_array().cloned().unwrap_or_default()
}

/// 64-bit FNV-1a, the checksum of the golden tests.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    scanprep_fixtures::fnv1a64(bytes)
}

/// SplitMix64: a tiny deterministic generator for property tests.
pub struct Rng(pub u64);

impl Rng {
    /// Next 64 random bits.
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// A value in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}
