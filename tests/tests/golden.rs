//! The whole pipeline on every committed fixture: known answers (skew, orientation, sizes)
//! and golden checksums of the output bytes, which must be identical on every target.
//!
//! After an intended change of output, re-bless with `SCANPREP_BLESS=1 cargo test -p
//! scanprep-tests --test golden` and commit `tests/golden.json`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use scanprep::{decode_image, process, BinarizeParams, Limits, Options};
use scanprep_tests::{fixture, fnv1a64, manifest};

fn golden_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("golden.json")
}

#[test]
fn fixtures_give_known_answers_and_golden_bytes() {
    let mut got = BTreeMap::new();
    for entry in manifest() {
        let name = entry["file"].as_str().unwrap_or_default().to_string();
        if entry["kind"] == "truth" {
            continue;
        }
        let out =
            process(&fixture(&name), &Options::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let r = &out.report;
        assert_eq!(
            (r.input_width as u64, r.input_height as u64),
            (
                entry["upright_width"].as_u64().unwrap_or(0),
                entry["upright_height"].as_u64().unwrap_or(0)
            ),
            "{name}: upright size"
        );
        assert_eq!(
            r.exif_orientation as u64,
            entry["exif_orientation"].as_u64().unwrap_or(1),
            "{name}"
        );
        let page_found = r.page.as_ref().is_some_and(|p| p.found);
        // A photo's page is found and rectified, which straightens it; scans have no page to
        // find and are left whole.
        assert_eq!(
            page_found,
            entry["kind"] == "photo",
            "{name}: page {:?}",
            r.page
        );
        match entry["skew_degrees"].as_f64() {
            Some(_) if page_found => assert!(
                r.skew_degrees.abs() <= 0.3,
                "{name}: rectified page still skewed by {}",
                r.skew_degrees
            ),
            Some(known) => {
                assert!(
                    (r.skew_degrees - known).abs() <= 0.3,
                    "{name}: skew {} vs {known}",
                    r.skew_degrees
                );
                assert_eq!(r.rotated, known.abs() >= 0.05, "{name}: rotated");
            }
            None => assert!(
                !r.rotated,
                "{name}: a page without text lines must not be rotated ({r:?})"
            ),
        }
        // The output is a Group 4 TIFF that decodes back to a bilevel page of the reported size.
        assert_eq!(out.media_type, "image/tiff");
        let back =
            decode_image(&out.bytes, &Limits::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            (back.image.width(), back.image.height()),
            (out.width, out.height),
            "{name}"
        );
        assert!(
            back.image.data().iter().all(|&v| v == 0 || v == 255),
            "{name}: bilevel"
        );
        if entry["kind"] == "blank" {
            let ink = back.image.data().iter().filter(|&&v| v == 0).count();
            assert!(
                ink * 1000 < back.image.data().len(),
                "{name}: blank page stays blank ({ink} ink pixels)"
            );
        }
        got.insert(
            name,
            serde_json::json!({
                "fnv1a64": format!("{:016x}", fnv1a64(&out.bytes)),
                "output_bytes": out.bytes.len(),
                "width": out.width,
                "height": out.height,
            }),
        );
    }
    let got = serde_json::Value::Object(got.into_iter().collect());
    if std::env::var_os("SCANPREP_BLESS").is_some() {
        let text = serde_json::to_string_pretty(&got).unwrap_or_default() + "\n";
        std::fs::write(golden_path(), text).expect("write golden.json");
        return;
    }
    let want: serde_json::Value =
        serde_json::from_slice(&std::fs::read(golden_path()).expect("tests/golden.json exists"))
            .expect("parses");
    assert_eq!(
        got, want,
        "output bytes changed; if intended, re-bless (see the module doc)"
    );
}

#[test]
fn binarization_of_the_fixture_page_matches_its_ground_truth() {
    let page = decode_image(&fixture("page-skew-plus3.png"), &Limits::default())
        .expect("decodes")
        .image;
    let truth = decode_image(&fixture("page-skew-plus3.truth.png"), &Limits::default())
        .expect("decodes")
        .image;
    let truth = scanprep::BitImage::from_gray_threshold(&truth, 127);
    let mut normalised = page.clone();
    scanprep::normalize_background(&mut normalised);
    let (bits, report) = scanprep::binarize(&normalised, &BinarizeParams::default());
    let s = scanprep::eval::score(&bits, &truth).expect("same size");
    assert!(s.fm >= 92.0, "F-measure {} with {report:?}", s.fm);
    assert!(s.drd <= 2.0, "DRD {}", s.drd);
}

#[test]
fn the_same_input_gives_the_same_bytes_twice() {
    let bytes = fixture("photo-shadow.jpg");
    let a = process(&bytes, &Options::default()).expect("runs");
    let b = process(&bytes, &Options::default()).expect("runs");
    assert_eq!(a.bytes, b.bytes);
}
