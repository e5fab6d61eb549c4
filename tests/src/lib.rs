//! Shared helpers of the integration tests: the committed fixtures and a deterministic random
//! generator.

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

/// The deterministic generator of the property tests (the fixtures' SplitMix64).
pub use scanprep_fixtures::rng::SplitMix64 as Rng;
