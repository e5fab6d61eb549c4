//! Decode stage: encoded bytes (JPEG, PNG, TIFF, WebP) or raw RGBA pixels to 8-bit grayscale,
//! upright according to the EXIF orientation.
//!
//! One file per format. Size limits are checked from the header, before any pixel buffer is
//! allocated. JPEG is decoded straight to luma (the Y channel, no colour conversion or chroma
//! upsampling; `jpeg/`: baseline files by our own decoder, others by `zune-jpeg`); PNG
//! (`png.rs`) and TIFF (`tiff.rs`) are our own readers, which reduce each row to gray as soon
//! as it is decoded; WebP (`webp.rs`) decodes
//! with `image-webp` into RGB(A), reduced to luma in place. Luma uses ITU-R BT.601 weights in
//! integer arithmetic, so every target gives the same bytes.

use crate::{Chroma, ChromaBuilder, Error, GrayImage, Options};

// Without the `decoders` feature the readers are built but not reachable (the Group 4 reader
// in `tiff` still serves the PDF embedder), so the linker drops them.
#[cfg_attr(not(feature = "decoders"), allow(dead_code, unused_imports))]
mod jpeg;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod luma_simd128;
#[cfg_attr(not(feature = "decoders"), allow(dead_code, unused_imports))]
mod png;
#[cfg_attr(not(feature = "decoders"), allow(dead_code, unused_imports))]
mod tiff;
pub(crate) use tiff::decode_group4;
#[cfg_attr(not(feature = "decoders"), allow(dead_code, unused_imports))]
mod webp;

/// Size limits and strictness applied while decoding. `Options` carries the same fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest encoded input, in bytes.
    pub max_input_bytes: u64,
    /// Largest image, in pixels.
    pub max_pixels: u64,
    /// Longest side, in pixels.
    pub max_side: u32,
    /// Accept a file cut short (its missing rows white) instead of a `TruncatedImage` error;
    /// [`Decoded::truncated`] then says what is missing.
    pub allow_truncated: bool,
    /// Keep the colour's block means ([`Decoded::chroma`]) for page detection; off when no
    /// page is to be detected (detection off, or corners given), which spares their cost.
    pub keep_chroma: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Limits::from(&Options::default())
    }
}

impl From<&Options> for Limits {
    fn from(o: &Options) -> Self {
        Limits {
            max_input_bytes: o.max_input_bytes,
            max_pixels: o.max_pixels,
            max_side: o.max_side,
            allow_truncated: o.allow_truncated,
            keep_chroma: o.detect_page && o.corners.is_none(),
        }
    }
}

impl Limits {
    /// Checks image dimensions against the limits.
    pub fn check_dimensions(&self, width: u32, height: u32) -> Result<(), Error> {
        if width == 0 || height == 0 {
            return Err(Error::EmptyImage { width, height });
        }
        if width > self.max_side || height > self.max_side {
            return Err(Error::SideTooLong {
                width,
                height,
                max_side: self.max_side,
            });
        }
        if width as u64 * height as u64 > self.max_pixels {
            return Err(Error::ImageTooLarge {
                width,
                height,
                max_pixels: self.max_pixels,
            });
        }
        Ok(())
    }
}

/// A decoded page: upright grayscale pixels and what was learnt on the way.
#[derive(Debug, Clone)]
pub struct Decoded {
    /// The upright grayscale image.
    pub image: GrayImage,
    /// The detected format: `jpeg`, `png`, `tiff` or `webp`.
    pub format: &'static str,
    /// The EXIF orientation that was applied (1 = none, 2 to 8 as in the EXIF standard).
    pub exif_orientation: u8,
    /// Set when the file was cut short and `allow_truncated` let it through.
    pub truncated: Option<Truncation>,
    /// The colour, reduced to block means (upright as `image`), for page detection; `None`
    /// for gray images and for the decoders that do not keep it (progressive JPEG, TIFF).
    pub chroma: Option<Chroma>,
}

/// What a file cut short is missing, in rows of the image as stored (before EXIF orientation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Truncation {
    /// Whole rows at the top of the stored image; the rows below them are white.
    pub rows_present: u32,
    /// The stored image's height.
    pub height: u32,
}

/// A format decoder's result: the image as stored, its EXIF orientation, and for a file cut
/// short the whole rows it holds.
pub(super) struct Stored {
    pub(super) image: GrayImage,
    pub(super) orientation: u8,
    pub(super) rows_present: Option<u32>,
    /// The chroma block means, from a colour image's decoder that keeps them.
    pub(super) chroma: Option<Chroma>,
}

impl Stored {
    /// As [`decode_image`] takes it by default: a file cut short is an error (for the
    /// format decoders' own tests).
    #[cfg(test)]
    pub(super) fn strict(self, format: &'static str) -> Result<(GrayImage, u8), Error> {
        match self.rows_present {
            Some(rows_present) => Err(Error::TruncatedImage {
                format,
                rows_present,
                height: self.image.height(),
            }),
            None => Ok((self.image, self.orientation)),
        }
    }

    /// A whole image.
    pub(super) fn whole(image: GrayImage, orientation: u8) -> Stored {
        Stored {
            image,
            orientation,
            rows_present: None,
            chroma: None,
        }
    }
}

/// Decodes `bytes` to upright grayscale within `limits`.
pub fn decode_image(bytes: &[u8], limits: &Limits) -> Result<Decoded, Error> {
    decode_input(bytes, limits)
}

/// [`decode_image`] on bytes the caller gives away. The WebAssembly package decodes this way:
/// its JPEG decoder then reads from an owned buffer, the same reader type that `tiff` uses for
/// JPEG-in-TIFF, so the module links one copy of the JPEG decoder instead of two.
pub fn decode_image_owned(bytes: Vec<u8>, limits: &Limits) -> Result<Decoded, Error> {
    decode_input(bytes, limits)
}

fn decode_input<T: AsRef<[u8]>>(input: T, limits: &Limits) -> Result<Decoded, Error> {
    let bytes = input.as_ref();
    let format_name = check_input(bytes, limits)?;
    let stored = decode_stored(format_name, input, limits)?;
    let truncated = stored.rows_present.map(|rows_present| Truncation {
        rows_present,
        height: stored.image.height(),
    });
    if let (Some(t), false) = (truncated, limits.allow_truncated) {
        return Err(Error::TruncatedImage {
            format: format_name,
            rows_present: t.rows_present,
            height: t.height,
        });
    }
    let (w, h) = (stored.image.width(), stored.image.height());
    let chroma = stored.chroma.map(|c| c.oriented(stored.orientation, w, h));
    let image = apply_orientation(stored.image, stored.orientation);
    Ok(Decoded {
        image,
        format: format_name,
        exif_orientation: stored.orientation,
        truncated,
        chroma,
    })
}

/// The format's reader, on a file whose signature named it `format`.
#[cfg(feature = "decoders")]
fn decode_stored<T: AsRef<[u8]>>(
    format: &'static str,
    input: T,
    limits: &Limits,
) -> Result<Stored, Error> {
    let bytes = input.as_ref();
    match format {
        "jpeg" => jpeg::decode_jpeg(input, limits),
        "png" => png::decode_png(bytes, limits),
        "tiff" => tiff::decode_tiff(bytes, limits),
        _ => webp::decode_webp(bytes, limits),
    }
}

/// A build without the readers: the format is known, its decoder is not here.
#[cfg(not(feature = "decoders"))]
fn decode_stored<T: AsRef<[u8]>>(
    format: &'static str,
    _input: T,
    _limits: &Limits,
) -> Result<Stored, Error> {
    Err(Error::DecoderNotBuilt { format })
}

/// What [`probe_image`] reads from a file's header and structure, without decoding pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct ImageInfo {
    /// The format: `jpeg`, `png`, `tiff` or `webp`.
    pub format: &'static str,
    /// Width of the stored image in pixels (before EXIF orientation).
    pub width: u32,
    /// Height of the stored image in pixels.
    pub height: u32,
    /// Whether the file holds all its image data (false: it was cut short, and decoding it
    /// gives a `TruncatedImage` error unless `allow_truncated` is set).
    pub complete: bool,
    /// The orientation decoding applies (EXIF, or TIFF's own tag): 1 = none, 2 to 8 as in the
    /// EXIF standard. The browser build reports it for files the browser decoded upright.
    pub exif_orientation: u8,
}

/// Reads the format, the dimensions and whether the file is whole, checking the limits,
/// without decoding any pixel: a walk over the file's markers, chunks or directory, far
/// cheaper than decoding (the Worker answers uploads with it before queueing them). A file
/// that `probe_image` accepts may still be corrupt inside its compressed data.
pub fn probe_image(bytes: &[u8], limits: &Limits) -> Result<ImageInfo, Error> {
    let format = check_input(bytes, limits)?;
    let (width, height, complete, exif_orientation) = match format {
        "jpeg" => jpeg::probe_jpeg(bytes, limits)?,
        "png" => png::probe_png(bytes, limits)?,
        "tiff" => tiff::probe_tiff(bytes, limits)?,
        _ => webp::probe_webp(bytes, limits)?,
    };
    Ok(ImageInfo {
        format,
        width,
        height,
        complete,
        exif_orientation,
    })
}

/// The checks before any format's reader: not empty, within `max_input_bytes`, a known
/// signature; returns the format's name.
fn check_input(bytes: &[u8], limits: &Limits) -> Result<&'static str, Error> {
    if bytes.is_empty() {
        return Err(Error::EmptyInput);
    }
    if bytes.len() as u64 > limits.max_input_bytes {
        return Err(Error::InputTooLarge {
            bytes: bytes.len() as u64,
            max_bytes: limits.max_input_bytes,
        });
    }
    sniff(bytes).ok_or(Error::UnsupportedFormat)
}

/// Names the format from its signature: `jpeg`, `png`, `tiff` (classic or BigTIFF, either byte
/// order) or `webp`.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    const SIGNATURES: [(&[u8], &str); 7] = [
        (b"\xff\xd8\xff", "jpeg"),
        (b"\x89PNG\r\n\x1a\n", "png"),
        (b"II*\0", "tiff"),
        (b"MM\0*", "tiff"),
        (b"II+\0", "tiff"),
        (b"MM\0+", "tiff"),
        (b"RIFF", "webp"),
    ];
    let (_, name) = SIGNATURES.iter().find(|(sig, _)| bytes.starts_with(sig))?;
    if *name == "webp" && bytes.get(8..12) != Some(b"WEBP") {
        return None;
    }
    Some(name)
}

/// Converts raw RGBA pixels (as from a canvas `ImageData`) to grayscale, compositing
/// transparent pixels on white.
pub fn gray_from_rgba(
    data: &[u8],
    width: u32,
    height: u32,
    limits: &Limits,
) -> Result<GrayImage, Error> {
    check_rgba(data, width, height, limits)?;
    let mut out = vec![0u8; width as usize * height as usize];
    gray_from_rgba_pixels(data, &mut out);
    GrayImage::from_raw(width, height, out)
}

/// The size checks of [`gray_from_rgba`].
fn check_rgba(data: &[u8], width: u32, height: u32, limits: &Limits) -> Result<(), Error> {
    limits.check_dimensions(width, height)?;
    let expected = width as u64 * height as u64 * 4;
    if data.len() as u64 != expected {
        return Err(Error::BufferSizeMismatch {
            width,
            height,
            channels: 4,
            expected,
            actual: data.len() as u64,
        });
    }
    Ok(())
}

/// [`gray_from_rgba`] and the colour's block means in one pass over the pixels: a strip of
/// rows at a time, converted and reduced while it is in the cache.
pub(crate) fn gray_and_chroma_from_rgba(
    data: &[u8],
    width: u32,
    height: u32,
    limits: &Limits,
) -> Result<(GrayImage, Option<Chroma>), Error> {
    check_rgba(data, width, height, limits)?;
    const STRIP_ROWS: usize = 16;
    let w = width as usize;
    let mut out = vec![0u8; w * height as usize];
    let mut chroma = ChromaBuilder::new(width, height);
    for (src, dst) in data
        .chunks(STRIP_ROWS * w * 4)
        .zip(out.chunks_mut(STRIP_ROWS * w))
    {
        gray_from_rgba_pixels(src, dst);
        chroma.push_rows(src, 4);
    }
    Ok((GrayImage::from_raw(width, height, out)?, chroma.finish()))
}

/// Converts RGBA pixels to gray (BT.601 luma, composited over white paper), one output byte per
/// four input bytes; extra bytes on either side are ignored. For hosts that stream a large
/// canvas through a small buffer, a strip of rows at a time, instead of copying it whole.
pub fn gray_from_rgba_pixels(rgba: &[u8], gray: &mut [u8]) {
    // Sixteen pixels at a time: where all are opaque (a camera frame, a decoded photo: all of
    // them), compositing is the identity and the luma loop runs on SIMD lanes.
    const N: usize = 16;
    let n = gray.len().min(rgba.len() / 4);
    let (gray, rgba) = (&mut gray[..n], &rgba[..4 * n]);
    let mut dst = gray.chunks_exact_mut(N);
    let mut src = rgba.chunks_exact(4 * N);
    for (o, px) in (&mut dst).zip(&mut src) {
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        if luma_simd128::luma16_opaque(px, o) {
            continue;
        }
        if opaque::<4>(px) {
            for (o, p) in o.iter_mut().zip(px.chunks_exact(4)) {
                *o = luma(p[0], p[1], p[2]);
            }
        } else {
            for (o, p) in o.iter_mut().zip(px.chunks_exact(4)) {
                *o = over_white(luma(p[0], p[1], p[2]), p[3]);
            }
        }
    }
    for (o, p) in dst
        .into_remainder()
        .iter_mut()
        .zip(src.remainder().chunks_exact(4))
    {
        *o = over_white(luma(p[0], p[1], p[2]), p[3]);
    }
}

/// Whether every pixel of `px` (`C` bytes each, alpha last) is opaque; RGB always is.
#[inline(always)]
pub(crate) fn opaque<const C: usize>(px: &[u8]) -> bool {
    C != 4 || px.chunks_exact(C).fold(255u8, |m, p| m & p[C - 1]) == 255
}

/// BT.601 luma in 8.8 fixed point: (77 R + 150 G + 29 B + 128) / 256.
#[inline(always)]
pub(crate) fn luma(r: u8, g: u8, b: u8) -> u8 {
    ((77 * r as u32 + 150 * g as u32 + 29 * b as u32 + 128) >> 8) as u8
}

/// Composites a gray value with coverage `a` over white paper.
#[inline(always)]
pub(crate) fn over_white(l: u8, a: u8) -> u8 {
    let a = a as u32;
    ((l as u32 * a + 255 * (255 - a) + 127) / 255) as u8
}

pub(crate) fn decode_error(format: &'static str, e: impl std::fmt::Display) -> Error {
    Error::Decode {
        format,
        reason: e.to_string(),
    }
}

/// The `image` crate's PNG reader, reduced to gray as the engine does: the reference that the
/// tests hold our own PNG reader to.
#[cfg(test)]
fn decode_other(
    bytes: &[u8],
    format: image::ImageFormat,
    name: &'static str,
    limits: &Limits,
) -> Result<(GrayImage, u8), Error> {
    let mut il = image::Limits::default();
    il.max_image_width = Some(limits.max_side);
    il.max_image_height = Some(limits.max_side);
    il.max_alloc = Some(
        limits
            .max_pixels
            .saturating_mul(16)
            .saturating_add(64 << 20),
    );
    let err = |e| map_image_error(e, name, limits);
    let cursor = std::io::Cursor::new(bytes);
    let mut dec: Box<dyn image::ImageDecoder + '_> = match format {
        image::ImageFormat::Png => {
            Box::new(image::codecs::png::PngDecoder::with_limits(cursor, il).map_err(err)?)
        }
        _ => return Err(Error::UnsupportedFormat),
    };
    use image::ImageDecoder;
    let (w, h) = dec.dimensions();
    limits.check_dimensions(w, h)?;
    let orientation = match dec.orientation() {
        Ok(o) => orientation_code(o),
        Err(_) => 1,
    };
    let color = dec.color_type();
    // 16-bit samples are reduced to 8 bits first, as our own readers do while unpacking.
    let (layout, wide) = match color {
        image::ColorType::L8 => (Native::L8, false),
        image::ColorType::La8 => (Native::La8, false),
        image::ColorType::Rgb8 => (Native::Rgb8, false),
        image::ColorType::Rgba8 => (Native::Rgba8, false),
        image::ColorType::L16 => (Native::L8, true),
        image::ColorType::La16 => (Native::La8, true),
        image::ColorType::Rgb16 => (Native::Rgb8, true),
        image::ColorType::Rgba16 => (Native::Rgba8, true),
        _ => {
            return Err(decode_error(
                name,
                format!("unsupported colour type {color:?}"),
            ))
        }
    };
    let total = dec.total_bytes();
    let n = w as usize * h as usize;
    let per_pixel = layout.bytes_per_pixel() as u64 * if wide { 2 } else { 1 };
    if total != (n as u64).saturating_mul(per_pixel) {
        return Err(decode_error(name, "inconsistent buffer size"));
    }
    let mut buf = vec![0u8; total as usize];
    dec.read_image(&mut buf)
        .map_err(|e| map_image_error(e, name, limits))?;
    if wide {
        buf = buf
            .chunks_exact(2)
            .map(|b| scale16(u16::from_ne_bytes([b[0], b[1]])))
            .collect();
    }
    to_luma_in_place(&mut buf, layout, n);
    Ok((GrayImage::from_raw(w, h, buf)?, orientation))
}

#[cfg(test)]
fn map_image_error(e: image::ImageError, name: &'static str, limits: &Limits) -> Error {
    match e {
        image::ImageError::Limits(_) => Error::ImageTooLarge {
            width: 0,
            height: 0,
            max_pixels: limits.max_pixels,
        },
        image::ImageError::Unsupported(u) => {
            decode_error(name, format!("unsupported feature: {u}"))
        }
        other => decode_error(name, other),
    }
}

/// A decoder's native 8-bit pixel layout: gray or RGB, with or without alpha.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Native {
    L8,
    La8,
    Rgb8,
    Rgba8,
}

impl Native {
    /// Bytes per pixel.
    pub(crate) fn bytes_per_pixel(self) -> usize {
        match self {
            Native::L8 => 1,
            Native::La8 => 2,
            Native::Rgb8 => 3,
            Native::Rgba8 => 4,
        }
    }
}

/// A 16-bit sample scaled to 8 bits with rounding: round(v * 255 / 65535). Every reader uses it,
/// so 16-bit images give the same gray whatever their format.
#[inline(always)]
pub(crate) fn scale16(v: u16) -> u8 {
    ((v as u32 * 255 + 32767) / 65535) as u8
}

/// Reduces `src`, pixels in `layout`, to one luma byte each in `dst` (alpha composited over
/// white). Stops at the shorter of the two.
pub(crate) fn luma_of(src: &[u8], layout: Native, dst: &mut [u8]) {
    let pixels = src.chunks_exact(layout.bytes_per_pixel());
    match layout {
        Native::L8 => {
            let n = dst.len().min(src.len());
            dst[..n].copy_from_slice(&src[..n]);
        }
        Native::La8 => dst
            .iter_mut()
            .zip(pixels)
            .for_each(|(o, p)| *o = over_white(p[0], p[1])),
        Native::Rgb8 => dst
            .iter_mut()
            .zip(pixels)
            .for_each(|(o, p)| *o = luma(p[0], p[1], p[2])),
        Native::Rgba8 => dst
            .iter_mut()
            .zip(pixels)
            .for_each(|(o, p)| *o = over_white(luma(p[0], p[1], p[2]), p[3])),
    }
}

/// Looks up `out.len()` samples of `8 / PER` bits packed `PER` to a byte, high bits first (8 of
/// 1 bit, 4 of 2, 2 of 4, 1 of 8), in `table`. False when one is at or past `entries` (a
/// palette index past the palette).
#[inline(always)]
pub(crate) fn unpack<const PER: usize>(
    raw: &[u8],
    out: &mut [u8],
    table: &[u8; 256],
    entries: usize,
) -> bool {
    let depth = 8 / PER;
    let mask = (0xffu32 >> (8 - depth)) as u8;
    let mut bad = false;
    let (full, tail) = out.as_chunks_mut::<PER>();
    for (o, &b) in full.iter_mut().zip(raw) {
        for (k, o) in o.iter_mut().enumerate() {
            let v = (b >> (8 - depth * (k + 1))) & mask;
            bad |= v as usize >= entries;
            *o = table[v as usize];
        }
    }
    if let Some(&b) = raw.get(full.len()) {
        for (k, o) in tail.iter_mut().enumerate() {
            let v = (b >> (8 - depth * (k + 1))) & mask;
            bad |= v as usize >= entries;
            *o = table[v as usize];
        }
    }
    !bad
}

/// [`unpack`] for a depth of 1, 2, 4 or 8 bits given at run time.
pub(crate) fn unpack_depth(
    depth: u32,
    raw: &[u8],
    out: &mut [u8],
    table: &[u8; 256],
    entries: usize,
) -> bool {
    match depth {
        1 => unpack::<8>(raw, out, table, entries),
        2 => unpack::<4>(raw, out, table, entries),
        4 => unpack::<2>(raw, out, table, entries),
        _ => unpack::<1>(raw, out, table, entries),
    }
}

/// Reduces a decoded buffer of `n` pixels in `layout` to one luma byte per pixel, in the front
/// of the same buffer (each pixel is read before anything is written over it).
pub(crate) fn to_luma_in_place(buf: &mut Vec<u8>, layout: Native, n: usize) {
    let bpp = layout.bytes_per_pixel();
    if bpp > 1 {
        // Pixel i is read from bytes [bpp i, bpp i + bpp) before byte i is written, and
        // i <= bpp i, so a forward pass in place is safe; it goes a block at a time.
        let mut tmp = [0u8; 256];
        let mut i = 0;
        while i < n {
            let k = (n - i).min(tmp.len());
            luma_of(&buf[bpp * i..bpp * (i + k)], layout, &mut tmp[..k]);
            buf[i..i + k].copy_from_slice(&tmp[..k]);
            i += k;
        }
    }
    buf.truncate(n);
    buf.shrink_to_fit();
}

#[cfg(test)]
fn orientation_code(o: image::metadata::Orientation) -> u8 {
    use image::metadata::Orientation::*;
    match o {
        NoTransforms => 1,
        FlipHorizontal => 2,
        Rotate180 => 3,
        FlipVertical => 4,
        Rotate90FlipH => 5,
        Rotate90 => 6,
        Rotate270FlipH => 7,
        Rotate270 => 8,
    }
}

/// Reads the orientation tag (0x0112) from an EXIF block (with or without the `Exif\0\0`
/// prefix). Returns 1 when absent or malformed.
pub(crate) fn exif_orientation(exif: &[u8]) -> u8 {
    let tiff = exif.strip_prefix(b"Exif\0\0").unwrap_or(exif);
    let le = match tiff.get(0..2) {
        Some(b"II") => true,
        Some(b"MM") => false,
        _ => return 1,
    };
    let u16_at = |i: usize| -> Option<u16> {
        let b = tiff.get(i..i + 2)?;
        Some(if le {
            u16::from_le_bytes([b[0], b[1]])
        } else {
            u16::from_be_bytes([b[0], b[1]])
        })
    };
    let u32_at = |i: usize| -> Option<u32> {
        let b = tiff.get(i..i + 4)?;
        let a = [b[0], b[1], b[2], b[3]];
        Some(if le {
            u32::from_le_bytes(a)
        } else {
            u32::from_be_bytes(a)
        })
    };
    let find = || -> Option<u8> {
        let ifd = u32_at(4)? as usize;
        let count = u16_at(ifd)? as usize;
        for k in 0..count.min(512) {
            let e = ifd.checked_add(2 + 12 * k)?;
            if u16_at(e)? == 0x0112 {
                let v = u16_at(e + 8)?;
                return (1..=8).contains(&v).then_some(v as u8);
            }
        }
        None
    };
    find().unwrap_or(1)
}

/// Turns the stored image upright according to the EXIF orientation (1 to 8).
pub(crate) fn apply_orientation(img: GrayImage, orientation: u8) -> GrayImage {
    let (w, h) = (img.width() as usize, img.height() as usize);
    match orientation {
        2 => {
            let mut img = img;
            img.rows_mut().for_each(|r| r.reverse());
            img
        }
        3 => {
            let mut img = img;
            img.data_mut().reverse();
            img
        }
        4 => {
            let mut data = img.into_raw();
            for y in 0..h / 2 {
                let (top, bottom) = data.split_at_mut((h - 1 - y) * w);
                top[y * w..(y + 1) * w].swap_with_slice(&mut bottom[..w]);
            }
            GrayImage::from_raw(w as u32, h as u32, data)
                .unwrap_or_else(|_| GrayImage::new(w as u32, h as u32, 255))
        }
        5..=8 => {
            // Output is h wide and w tall: dst(x', y') = src(sx, sy) with the mapping per code.
            let src = img.data();
            let mut out = vec![0u8; w * h];
            const T: usize = 64;
            for by in (0..w).step_by(T) {
                for bx in (0..h).step_by(T) {
                    for yd in by..(by + T).min(w) {
                        let row = &mut out[yd * h..(yd + 1) * h];
                        let end = (bx + T).min(h);
                        for (xd, out_px) in row.iter_mut().enumerate().take(end).skip(bx) {
                            let (sx, sy) = match orientation {
                                5 => (yd, xd),
                                6 => (yd, h - 1 - xd),
                                7 => (w - 1 - yd, h - 1 - xd),
                                _ => (w - 1 - yd, xd),
                            };
                            *out_px = src[sy * w + sx];
                        }
                    }
                }
            }
            GrayImage::from_raw(h as u32, w as u32, out)
                .unwrap_or_else(|_| GrayImage::new(h as u32, w as u32, 255))
        }
        _ => img,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid() -> GrayImage {
        // 3 wide, 2 tall: 0 1 2 / 3 4 5
        GrayImage::from_raw(3, 2, vec![0, 1, 2, 3, 4, 5]).unwrap()
    }

    #[test]
    fn orientations_match_the_exif_definitions() {
        let cases: [(u8, u32, &[u8]); 8] = [
            (1, 3, &[0, 1, 2, 3, 4, 5]),
            (2, 3, &[2, 1, 0, 5, 4, 3]),
            (3, 3, &[5, 4, 3, 2, 1, 0]),
            (4, 3, &[3, 4, 5, 0, 1, 2]),
            (5, 2, &[0, 3, 1, 4, 2, 5]),
            (6, 2, &[3, 0, 4, 1, 5, 2]),
            (7, 2, &[5, 2, 4, 1, 3, 0]),
            (8, 2, &[2, 5, 1, 4, 0, 3]),
        ];
        for (o, w, want) in cases {
            let out = apply_orientation(grid(), o);
            assert_eq!(out.width(), w, "orientation {o}");
            assert_eq!(out.data(), want, "orientation {o}");
        }
    }

    #[test]
    fn exif_orientation_parses_both_byte_orders_and_survives_garbage() {
        let le = b"Exif\0\0II*\0\x08\0\0\0\x01\0\x12\x01\x03\0\x01\0\0\0\x06\0\0\0";
        assert_eq!(exif_orientation(le), 6);
        let be = b"MM\0*\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01\0\x08\0\0";
        assert_eq!(exif_orientation(be), 8);
        assert_eq!(exif_orientation(b"II*\0\xff\xff\xff\xff"), 1);
        assert_eq!(exif_orientation(b""), 1);
        assert_eq!(exif_orientation(b"MM\0*\0\0\0\x08\xff\xff"), 1);
    }

    #[test]
    fn rgba_composites_on_white() {
        let px = [0, 0, 0, 255, 0, 0, 0, 0, 255, 255, 255, 255, 0, 0, 0, 128];
        let g = gray_from_rgba(&px, 2, 2, &Limits::default()).unwrap();
        assert_eq!(g.data(), &[0, 255, 255, 127]);
        assert!(matches!(
            gray_from_rgba(&px, 3, 2, &Limits::default()),
            Err(Error::BufferSizeMismatch { .. })
        ));
    }

    #[test]
    fn rgba_runs_opaque_or_not_give_the_definition() {
        // 1,000 pixels: runs of 16 all opaque (the fast path), runs with one translucent
        // pixel, and a remainder of 8.
        let px: Vec<u8> = (0..1000u32 * 4)
            .map(|i| {
                let (p, c) = (i / 4, i % 4);
                let v = (p.wrapping_mul(2_654_435_761) >> (8 * c)) as u8;
                if c == 3 && (p / 16) % 3 != 0 && p % 16 != 7 {
                    255
                } else {
                    v
                }
            })
            .collect();
        let mut gray = vec![0u8; 1000];
        gray_from_rgba_pixels(&px, &mut gray);
        for (g, p) in gray.iter().zip(px.chunks_exact(4)) {
            assert_eq!(*g, over_white(luma(p[0], p[1], p[2]), p[3]));
        }
        // A short output takes only as many pixels.
        let mut short = vec![0u8; 21];
        gray_from_rgba_pixels(&px, &mut short);
        assert_eq!(short, gray[..21]);
    }

    #[test]
    fn empty_and_unknown_inputs_are_typed_errors() {
        let l = Limits::default();
        assert_eq!(decode_image(&[], &l).unwrap_err(), Error::EmptyInput);
        assert_eq!(
            decode_image(b"hello world, not an image", &l).unwrap_err(),
            Error::UnsupportedFormat
        );
        let small = Limits {
            max_input_bytes: 4,
            ..l
        };
        assert!(matches!(
            decode_image(b"\x89PNG\r\n", &small),
            Err(Error::InputTooLarge {
                bytes: 6,
                max_bytes: 4
            })
        ));
    }

    #[test]
    fn colour_files_keep_their_chroma_as_block_means() {
        use image::ImageEncoder;
        // A beige desk on the left, near-white paper on the right.
        let (w, h) = (64u32, 48u32);
        let mut rgb = Vec::new();
        for _ in 0..h {
            for x in 0..w {
                rgb.extend_from_slice(if x < 32 {
                    &[200, 180, 120]
                } else {
                    &[240, 240, 240]
                });
            }
        }
        // JFIF chroma of the beige: Cb 94.6, Cr 142.9.
        let jpeg = {
            let mut out = Vec::new();
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
                .encode(&rgb, w, h, image::ExtendedColorType::Rgb8)
                .unwrap();
            out
        };
        let png = {
            let mut out = Vec::new();
            image::codecs::png::PngEncoder::new(&mut out)
                .write_image(&rgb, w, h, image::ExtendedColorType::Rgb8)
                .unwrap();
            out
        };
        for bytes in [jpeg, png] {
            let d = decode_image(&bytes, &Limits::default()).unwrap();
            let c = d.chroma.expect("colour kept");
            let (cb, cr) = c.at(8.0, 24.0);
            assert!(
                (cb - 94.6).abs() < 3.0 && (cr - 142.9).abs() < 3.0,
                "{cb} {cr}"
            );
            let (cb, cr) = c.at(56.0, 24.0);
            assert!(
                (cb - 128.0).abs() < 2.0 && (cr - 128.0).abs() < 2.0,
                "{cb} {cr}"
            );
            // With no page to detect, no colour is kept, and the luma is the same.
            let no_page = Limits {
                keep_chroma: false,
                ..Limits::default()
            };
            let gray_only = decode_image(&bytes, &no_page).unwrap();
            assert!(gray_only.chroma.is_none());
            assert_eq!(gray_only.image, d.image);
        }
        let o = Options {
            detect_page: false,
            ..Options::default()
        };
        assert!(!Limits::from(&o).keep_chroma && Limits::default().keep_chroma);
        // Gray files have none.
        let gray = {
            let mut out = Vec::new();
            image::codecs::png::PngEncoder::new(&mut out)
                .write_image(&[128; 64], 8, 8, image::ExtendedColorType::L8)
                .unwrap();
            out
        };
        assert!(decode_image(&gray, &Limits::default())
            .unwrap()
            .chroma
            .is_none());
    }

    #[test]
    fn png_gray_and_rgb_decode_to_luma() {
        let mut out = Vec::new();
        let rgb = image::RgbImage::from_raw(2, 1, vec![255, 0, 0, 0, 0, 255]).unwrap();
        rgb.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
            .unwrap();
        let d = decode_image(&out, &Limits::default()).unwrap();
        assert_eq!(d.format, "png");
        assert_eq!(d.image.data(), &[luma(255, 0, 0), luma(0, 0, 255)]);
    }
}
