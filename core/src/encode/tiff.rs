//! Baseline bilevel TIFF writer (TIFF 6.0 section 3 and section 11, "CCITT Group 4" compression):
//! little-endian, one strip holding the [T.6](super::encode_g4) data, WhiteIsZero so ink is 1.

use super::g4::encode_g4_into;
use crate::BitImage;

/// TIFF field type SHORT (u16).
const SHORT: u16 = 3;
/// TIFF field type LONG (u32).
const LONG: u16 = 4;
/// TIFF field type RATIONAL (two u32).
const RATIONAL: u16 = 5;

/// Encodes `img` as a complete little-endian baseline TIFF with one Group 4 strip:
/// Compression 4, PhotometricInterpretation 0 (WhiteIsZero, so ink = 1 = black), FillOrder 1,
/// RowsPerStrip = height, and XResolution/YResolution/ResolutionUnit (inch) when `dpi` is given
/// and non-zero.
///
/// Layout: 8-byte header, strip data, then the IFD (word-aligned) and the two resolution
/// rationals — the order libtiff uses, so the strip is coded straight into the output.
///
/// A 0×N or N×0 image has no valid TIFF form (TIFF requires width, height ≥ 1); the result is
/// then a structurally complete file declaring those dimensions with an empty strip, which
/// readers may reject. Offsets and counts are 32-bit (classic TIFF): data beyond 4 GiB is
/// impossible for a Group 4 strip of any image this crate can hold in memory.
pub fn encode_g4_tiff(img: &BitImage, dpi: Option<u32>) -> Vec<u8> {
    let mut out = Vec::with_capacity(img.data().len() / 16 + 256);
    out.extend_from_slice(b"II*\0");
    out.extend_from_slice(&[0; 4]); // IFD offset, patched below
    encode_g4_into(img, &mut out);
    let strip_len = u32_sat(out.len() - 8);
    if out.len() % 2 == 1 {
        out.push(0); // IFD must start on a word boundary
    }
    let ifd_offset = out.len();
    out[4..8].copy_from_slice(&u32_sat(ifd_offset).to_le_bytes());

    let dpi = dpi.filter(|&d| d > 0);
    let count: u16 = if dpi.is_some() { 11 } else { 8 };
    // The rationals follow the IFD: 2-byte count, 12 bytes per entry, 4-byte next-IFD offset.
    let rational_offset = u32_sat(ifd_offset + 2 + 12 * count as usize + 4);

    out.extend_from_slice(&count.to_le_bytes());
    let mut entry = |tag: u16, typ: u16, value: u32| {
        out.extend_from_slice(&tag.to_le_bytes());
        out.extend_from_slice(&typ.to_le_bytes());
        out.extend_from_slice(&1u32.to_le_bytes());
        // A SHORT value sits in the first two bytes of the 4-byte value field (little-endian,
        // so writing it as u32 gives the same bytes).
        out.extend_from_slice(&value.to_le_bytes());
    };
    // Tags in ascending order, as TIFF requires. FillOrder (1, MSB first) and SamplesPerPixel
    // (1) are left out: those are the values TIFF 6.0 prescribes when absent, and each tag
    // costs 12 bytes.
    entry(256, LONG, img.width()); // ImageWidth
    entry(257, LONG, img.height()); // ImageLength
    entry(258, SHORT, 1); // BitsPerSample
    entry(259, SHORT, 4); // Compression: CCITT T.6
    entry(262, SHORT, 0); // PhotometricInterpretation: WhiteIsZero
    entry(273, LONG, 8); // StripOffsets
    entry(278, LONG, img.height()); // RowsPerStrip
    entry(279, LONG, strip_len); // StripByteCounts
    if dpi.is_some() {
        entry(282, RATIONAL, rational_offset); // XResolution
        entry(283, RATIONAL, rational_offset + 8); // YResolution
        entry(296, SHORT, 2); // ResolutionUnit: inch
    }
    out.extend_from_slice(&0u32.to_le_bytes()); // no next IFD
    if let Some(d) = dpi {
        for _ in 0..2 {
            out.extend_from_slice(&d.to_le_bytes());
            out.extend_from_slice(&1u32.to_le_bytes());
        }
    }
    out
}

/// `x` as a TIFF 32-bit offset or count, saturating (classic TIFF cannot say more).
fn u32_sat(x: usize) -> u32 {
    u32::try_from(x).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::encode_g4;
    use crate::encode::testutil::{fnv1a, random_bitmap, text_page};

    /// Decodes a TIFF with the `image` crate (tiff 0.11's own fax4 decoder): ink = luma 0.
    fn decode_tiff(bytes: &[u8]) -> BitImage {
        let dec = image::load_from_memory_with_format(bytes, image::ImageFormat::Tiff)
            .expect("image decodes our TIFF");
        let gray = dec.to_luma8();
        let mut out = BitImage::new(gray.width(), gray.height());
        for (x, y, p) in gray.enumerate_pixels() {
            out.set(x, y, p.0[0] < 128);
        }
        out
    }

    fn le16(b: &[u8], at: usize) -> u16 {
        u16::from_le_bytes([b[at], b[at + 1]])
    }
    fn le32(b: &[u8], at: usize) -> u32 {
        u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
    }

    /// (tag, type, count, value) of every IFD entry.
    fn entries(t: &[u8]) -> Vec<(u16, u16, u32, u32)> {
        let ifd = le32(t, 4) as usize;
        (0..le16(t, ifd) as usize)
            .map(|i| {
                let e = ifd + 2 + 12 * i;
                (le16(t, e), le16(t, e + 2), le32(t, e + 4), le32(t, e + 8))
            })
            .collect()
    }

    #[test]
    fn tiff_round_trips_through_image_crate() {
        let mut seed = 100;
        for (w, h) in [(1, 1), (1, 9), (13, 7), (64, 3), (65, 65), (301, 77)] {
            for density in [0, 30, 128, 256] {
                let img = random_bitmap(w, h, density, seed);
                seed += 1;
                assert!(
                    decode_tiff(&encode_g4_tiff(&img, Some(300))) == img,
                    "{w}x{h} density {density}"
                );
            }
        }
        let page = text_page(1240, 1754, 3);
        assert!(decode_tiff(&encode_g4_tiff(&page, None)) == page);
    }

    #[test]
    fn tiff_structure_and_resolution() {
        let img = text_page(200, 100, 9);
        let t = encode_g4_tiff(&img, Some(300));
        assert_eq!(&t[..4], b"II*\0");
        let strip = encode_g4(&img);
        assert_eq!(&t[8..8 + strip.len()], &strip[..]);
        let e = entries(&t);
        let tags: Vec<u16> = e.iter().map(|x| x.0).collect();
        assert_eq!(
            tags,
            [256, 257, 258, 259, 262, 273, 278, 279, 282, 283, 296]
        );
        let val = |tag: u16| e.iter().find(|x| x.0 == tag).map(|x| x.3).unwrap();
        assert_eq!(
            (val(256), val(257), val(259), val(262), val(278)),
            (200, 100, 4, 0, 100)
        );
        assert_eq!((val(273), val(279)), (8, strip.len() as u32));
        let xr = val(282) as usize;
        assert_eq!(
            (
                le32(&t, xr),
                le32(&t, xr + 4),
                le32(&t, xr + 8),
                le32(&t, xr + 12)
            ),
            (300, 1, 300, 1)
        );
        assert_eq!(xr + 16, t.len());
        assert_eq!(le32(&t, 4) % 2, 0, "IFD word-aligned");
        // Without dpi: no resolution tags.
        let t = encode_g4_tiff(&img, None);
        assert_eq!(entries(&t).len(), 8);
        assert_eq!(encode_g4_tiff(&img, Some(0)), t);
    }

    #[test]
    fn empty_image_gives_header_and_ifd_only() {
        let t = encode_g4_tiff(&BitImage::new(0, 0), Some(200));
        let e = entries(&t);
        assert_eq!(e.iter().find(|x| x.0 == 279).map(|x| x.3), Some(0));
        assert_eq!(t.len(), 8 + 2 + 11 * 12 + 4 + 16);
        let _ = encode_g4_tiff(&BitImage::new(0, 3), None);
        let _ = encode_g4_tiff(&BitImage::new(3, 0), None);
    }

    /// Golden file checksum: the whole TIFF (header, strip, IFD) for a fixed page, so any
    /// change of layout or of strip bytes is visible in review.
    #[test]
    fn golden_tiff_bytes() {
        let t = encode_g4_tiff(&text_page(600, 400, 5), Some(300));
        assert_eq!((t.len(), fnv1a(&t)), (2648, 7915910364702282151));
    }

    /// Writes our TIFFs for comparison with Pillow/libtiff (`benches/peers/g4_size.py`):
    /// every PNG listed in `SCANPREP_G4_IN` (`:`-separated; thresholded at luma < 128) plus two
    /// synthetic pages, as `<stem>.png` + `<stem>.ours.tif` in `SCANPREP_G4_OUT`
    /// (default `/tmp/scanprep_g4`).
    #[test]
    #[ignore]
    fn dump_tiffs_for_peer_comparison() {
        let dir = std::path::PathBuf::from(
            std::env::var("SCANPREP_G4_OUT").unwrap_or("/tmp/scanprep_g4".into()),
        );
        std::fs::create_dir_all(&dir).unwrap();
        let mut pages = vec![
            ("synthetic_a4".to_string(), text_page(2480, 3508, 1)),
            ("synthetic_small".to_string(), text_page(600, 400, 5)),
            ("noise_odd".to_string(), random_bitmap(1001, 203, 128, 77)),
            ("noise_sparse".to_string(), random_bitmap(3001, 150, 6, 78)),
        ];
        // Long runs at both colours (make-up and extended make-up codes, runs > 2560).
        let mut runs = BitImage::new(7000, 6);
        for (y, (from, to)) in [
            (0, 7000),
            (5, 2700),
            (100, 4000),
            (2, 6998),
            (3000, 3001),
            (0, 0),
        ]
        .iter()
        .enumerate()
        {
            for x in *from..*to {
                runs.set(x, y as u32, true);
            }
        }
        pages.push(("long_runs".to_string(), runs));
        for p in std::env::var("SCANPREP_G4_IN")
            .unwrap_or_default()
            .split(':')
            .filter(|s| !s.is_empty())
        {
            let gray = image::open(p).unwrap().to_luma8();
            let mut b = BitImage::new(gray.width(), gray.height());
            for (x, y, px) in gray.enumerate_pixels() {
                b.set(x, y, px.0[0] < 128);
            }
            let stem = std::path::Path::new(p)
                .file_stem()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            pages.push((stem, b));
        }
        for (stem, img) in pages {
            let tif = encode_g4_tiff(&img, Some(300));
            std::fs::write(dir.join(format!("{stem}.ours.tif")), &tif).unwrap();
            let t = std::time::Instant::now();
            let g4 = encode_g4(&img);
            let ms = t.elapsed().as_secs_f64() * 1e3;
            std::fs::write(
                dir.join(format!("{stem}.png")),
                crate::encode::encode_png_bilevel(&img, Some(300), crate::PngEffort::Fast).unwrap(),
            )
            .unwrap();
            println!(
                "{stem}: {}x{} G4 {} bytes ({ms:.2} ms), TIFF {} bytes",
                img.width(),
                img.height(),
                g4.len(),
                tif.len()
            );
        }
    }
}
