//! Multi-page PDF/A-2 documents from processed pages: each page's image goes in as it was
//! encoded (JBIG2, Group 4, PNG or JPEG; never decoded again), its size from its resolution,
//! with an invisible text layer from OCR words so that the document can be searched, selected
//! and copied.
//!
//! Method: objects are written one at a time with `pdf-writer` and handed out as bytes as each
//! page is added ([`PdfWriter`]), so a host can stream a long document (the Worker writes R2
//! multipart parts) and hold only offsets; [`PdfWriter::finish`] writes the shared objects
//! (fonts, page tree, metadata), the cross-reference table and the trailer. The text layer
//! follows Tesseract's PDF renderer in spirit: each word is shown in text rendering mode 3
//! (invisible), sized to its box's height and stretched (`Tz`) to its box's width, in a
//! glyph-less Type 3 font whose `ToUnicode` map gives the real characters.

mod embed;
mod pdfa;
mod words;

use std::collections::HashMap;

use pdf_writer::types::{
    OutputIntentSubtype, Predictor, SystemInfo, TextRenderingMode, UnicodeCmap,
};
use pdf_writer::writers::{Catalog, DocumentInfo};
use pdf_writer::{Chunk, Content, Filter, Name, Rect, Ref, Str, TextStr};
use serde::{Deserialize, Serialize};

use crate::Error;
pub use embed::jbig2_from_group4_tiff;
use embed::{page_error, read_page_image, Coding, Colors, PageImage};
use pdfa::{Fingerprint, Metadata, UtcTime};
pub use words::{PageWords, Word};

/// How a document is written. The same names in the CLI (`scanprep pdf --title ...`), the npm
/// package (`createPdf(pages, options)`) and the Worker's JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PdfOptions {
    /// The document's title (`dc:title` and the Info dictionary).
    pub title: Option<String>,
    /// Its author.
    pub author: Option<String>,
    /// When it was made, in seconds since 1970-01-01 UTC; `None` leaves the dates out (the
    /// engine reads no clock: hosts pass the time, tests leave it out for identical bytes).
    pub created_unix_seconds: Option<i64>,
    /// The resolution assumed for a page image that does not say its own.
    pub default_dpi: u32,
    /// The most pages one document may have.
    pub max_pages: u32,
    /// Write the OCR words given with the pages as an invisible text layer.
    pub text_layer: bool,
}

impl Default for PdfOptions {
    fn default() -> Self {
        PdfOptions {
            title: None,
            author: None,
            created_unix_seconds: None,
            default_dpi: 300,
            max_pages: 5000,
            text_layer: true,
        }
    }
}

impl PdfOptions {
    /// Checks every field once, at the boundary.
    pub fn validate(&self) -> Result<(), Error> {
        let invalid = |field, reason: &str| {
            Err(Error::InvalidOption {
                field,
                reason: reason.to_string(),
            })
        };
        if !(1..=10_000).contains(&self.default_dpi) {
            return invalid("default_dpi", "must be 1 to 10000 dots per inch");
        }
        if self.max_pages == 0 {
            return invalid("max_pages", "must be at least 1");
        }
        if let Some(t) = self.created_unix_seconds {
            // Years 1970..=9999, which PDF dates can write.
            if !(0..=253_402_300_799).contains(&t) {
                return invalid(
                    "created_unix_seconds",
                    "must be between 1970 and the end of 9999",
                );
            }
        }
        Ok(())
    }
}

/// One page of a document: an encoded image as `process` writes it, and its OCR words.
#[derive(Debug, Clone, Copy)]
pub struct PdfPage<'a> {
    /// A JBIG2, Group 4 TIFF, PNG (gray or bilevel) or gray JPEG file.
    pub image: &'a [u8],
    /// The page's words with their boxes, for the text layer.
    pub words: Option<&'a PageWords>,
}

/// Builds a whole document in memory: [`PdfWriter`] for every page, then
/// [`PdfWriter::finish`].
pub fn create_pdf(pages: &[PdfPage], options: &PdfOptions) -> Result<Vec<u8>, Error> {
    let mut w = PdfWriter::new(options)?;
    let mut out = Vec::new();
    for p in pages {
        out.extend_from_slice(&w.add_page(p.image, p.words)?);
    }
    out.extend_from_slice(&w.finish()?);
    Ok(out)
}

/// What a finished document holds, for reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PdfSummary {
    /// Pages written.
    pub pages: u32,
    /// Words in the text layer.
    pub words: u64,
    /// Bytes written.
    pub bytes: u64,
    /// `PDF/A-2b`, or `PDF/A-2u` with a text layer.
    pub conformance: &'static str,
}

/// Object numbers that every document has.
const PAGES: Ref = Ref::new(1);
const CATALOG: Ref = Ref::new(2);
const INFO: Ref = Ref::new(3);
const METADATA: Ref = Ref::new(4);
const ICC: Ref = Ref::new(5);
const GLYPH: Ref = Ref::new(6);
const FIRST_FREE: i32 = 7;

/// How much narrower and lower than the page its image is drawn, in points.
const INSET: f32 = 0.01;
/// Glyph-space units per em of the text layer's font (`FontMatrix` 0.001).
const EM: f32 = 1000.0;
/// Every glyph's advance, in glyph units (also written in the glyph's `d1`).
const ADVANCE: f32 = 500.0;
/// The font's descent below the baseline, as a fraction of the em (its box is 0.2 below to
/// 0.8 above), so that a word's box in the PDF covers its box in the image.
const DESCENT: f32 = 0.2;

/// Writes a document a page at a time; every call returns the bytes to append.
#[derive(Debug)]
pub struct PdfWriter {
    options: PdfOptions,
    next: i32,
    /// Bytes handed out so far.
    offset: usize,
    /// `(object number, byte offset)` of every object written.
    xref: Vec<(i32, usize)>,
    pages: Vec<Ref>,
    fonts: FontSet,
    words: u64,
    fingerprint: Fingerprint,
}

impl PdfWriter {
    /// A writer for a new document; `options` are validated here.
    pub fn new(options: &PdfOptions) -> Result<PdfWriter, Error> {
        options.validate()?;
        Ok(PdfWriter {
            options: options.clone(),
            next: FIRST_FREE,
            offset: 0,
            xref: Vec::new(),
            pages: Vec::new(),
            fonts: FontSet::default(),
            words: 0,
            fingerprint: Fingerprint::new(),
        })
    }

    /// Pages added so far.
    pub fn page_count(&self) -> usize {
        self.pages.len()
    }

    fn alloc(&mut self) -> Ref {
        let r = Ref::new(self.next);
        self.next += 1;
        r
    }

    /// Appends an object's chunk (which starts with that object) to `out`.
    fn emit(&mut self, out: &mut Vec<u8>, id: Ref, chunk: Chunk) {
        self.xref.push((id.get(), self.offset + out.len()));
        out.extend_from_slice(chunk.as_bytes());
    }

    /// Adds a page: its image (any format [`PdfPage::image`] names) and, when the text layer
    /// is on, its words. Checks everything before writing anything, so a page that fails
    /// leaves the document as it was.
    pub fn add_page(&mut self, image: &[u8], words: Option<&PageWords>) -> Result<Vec<u8>, Error> {
        let number = self.pages.len() + 1;
        if number > self.options.max_pages as usize {
            return Err(Error::TooManyPages {
                max_pages: self.options.max_pages,
            });
        }
        let img = read_page_image(image).map_err(|r| page_error(number, r))?;
        let words = words.filter(|_| self.options.text_layer);
        if let Some(w) = words {
            w.validate()?;
        }
        let default = self.options.default_dpi as f64;
        let (dx, dy) = img.dpi.unwrap_or((default, default));
        let (pw, ph) = (img.width as f64 * 72.0 / dx, img.height as f64 * 72.0 / dy);
        // ISO 32000-1 Annex C: page sides of 3 to 14 400 units.
        if !(3.0..=14_400.0).contains(&pw) || !(3.0..=14_400.0).contains(&ph) {
            return Err(page_error(
                number,
                "at its resolution the page is under 3 points or over 200 inches on a side",
            ));
        }
        let (pw, ph) = (pw as f32, ph as f32);

        let mut out = Vec::with_capacity(img.data.len() + 4096);
        if self.offset == 0 {
            // Header, and a comment of bytes over 127 marking the file as binary.
            out.extend_from_slice(b"%PDF-1.7\n%\x80\x80\x80\x80\n");
        }
        let (page, content_id, image_id) = (self.alloc(), self.alloc(), self.alloc());

        let mut content = Content::new();
        content.save_state();
        // The image is inset by INSET/2 on every side (1/14 400 inch): a renderer that maps
        // its edges to pixel edges with floor(x) + 1 (poppler's Splash does) then draws it
        // 1:1 at the page's resolution instead of one pixel wider, resampled.
        content.transform([pw - INSET, 0.0, 0.0, ph - INSET, INSET / 2.0, INSET / 2.0]);
        content.x_object(Name(b"Im0"));
        content.restore_state();
        let mut used_fonts: Vec<u32> = Vec::new();
        if let Some(w) = words {
            self.words += self.text_layer(&mut content, w, &img, pw, ph, &mut used_fonts);
        }
        let content = content.finish();
        let packed = miniz_oxide::deflate::compress_to_vec_zlib(&content, 6);

        let mut c = Chunk::new();
        write_image(&mut c, image_id, &img);
        self.fingerprint.update(&img.data);
        self.emit(&mut out, image_id, c);

        let mut c = Chunk::new();
        c.stream(content_id, &packed).filter(Filter::FlateDecode);
        self.fingerprint.update(&content);
        self.emit(&mut out, content_id, c);

        let font_refs: Vec<(u32, Ref)> = used_fonts
            .iter()
            .map(|&f| (f, self.fonts.font_ref(f, &mut self.next)))
            .collect();
        let mut c = Chunk::new();
        {
            let mut p = c.page(page);
            p.parent(PAGES);
            p.media_box(Rect::new(0.0, 0.0, pw, ph));
            p.contents(content_id);
            let mut res = p.resources();
            res.x_objects().pair(Name(b"Im0"), image_id);
            if !font_refs.is_empty() {
                let mut fonts = res.fonts();
                for (f, r) in &font_refs {
                    fonts.pair(Name(font_name(*f).as_bytes()), *r);
                }
            }
        }
        self.emit(&mut out, page, c);
        self.pages.push(page);
        self.offset += out.len();
        Ok(out)
    }

    /// Shows each word invisibly on its box; returns how many were placed.
    fn text_layer(
        &mut self,
        content: &mut Content,
        words: &PageWords,
        img: &PageImage,
        pw: f32,
        ph: f32,
        used: &mut Vec<u32>,
    ) -> u64 {
        // Boxes from the OCR image's pixels to points.
        let sx = pw as f64 / words.width.unwrap_or(img.width) as f64;
        let sy = ph as f64 / words.height.unwrap_or(img.height) as f64;
        let mut placed = 0;
        let mut started = false;
        let mut state = TextState::default();
        for w in &words.words {
            let [l, t, r, b] = w.bbox;
            let (x, width) = ((l * sx) as f32, ((r - l) * sx) as f32);
            let (bottom, height) = (ph - (b * sy) as f32, ((b - t) * sy) as f32);
            let n = w.text.chars().count();
            if n == 0 || width <= 0.0 || height <= 0.0 {
                continue;
            }
            if !started {
                content.begin_text();
                content.set_text_rendering_mode(TextRenderingMode::Invisible);
                started = true;
            }
            // Sizes and places to 0.01 pt (1/7200 inch), and text state written only when it
            // changes: the layer costs about half as many bytes.
            let size = hundredths(height);
            let natural = n as f32 * ADVANCE / EM * size;
            let scale = hundredths((100.0 * width / natural).clamp(0.01, 1.0e5));
            if state.scale != Some(scale) {
                content.set_horizontal_scaling(scale);
                state.scale = Some(scale);
            }
            let (tx, ty) = (hundredths(x), hundredths(bottom + DESCENT * size));
            content.set_text_matrix([1.0, 0.0, 0.0, 1.0, tx, ty]);
            // A word's characters, in runs of one font each.
            for (font, run) in &self.fonts.codes(&w.text) {
                if !used.contains(font) {
                    used.push(*font);
                }
                if state.font != Some((*font, size)) {
                    content.set_font(Name(font_name(*font).as_bytes()), size);
                    state.font = Some((*font, size));
                }
                content.show(Str(run));
            }
            placed += 1;
        }
        if started {
            content.end_text();
        }
        placed
    }

    /// Writes the fonts, the page tree, the metadata and the trailer: the document's last
    /// bytes. Errors with [`Error::NoPages`] when no page was added.
    pub fn finish(self) -> Result<Vec<u8>, Error> {
        Ok(self.finish_with_summary()?.0)
    }

    /// [`finish`](Self::finish), and what the document holds (its size counts every byte).
    pub fn finish_with_summary(mut self) -> Result<(Vec<u8>, PdfSummary), Error> {
        if self.pages.is_empty() {
            return Err(Error::NoPages);
        }
        let mut out = Vec::with_capacity(8192);
        let has_text = self.fonts.count() > 0;

        // The glyph-less font: one empty glyph, every code mapped to it.
        let mut c = Chunk::new();
        // `ADVANCE 0 0 0 0 0 d1`: the advance and an empty box (no float formatting needed).
        c.stream(GLYPH, b"500 0 0 0 0 0 d1");
        if has_text {
            self.emit(&mut out, GLYPH, c);
        }
        for f in 0..self.fonts.fonts() {
            let id = self.fonts.font_ref(f, &mut self.next);
            let cmap_id = self.alloc();
            let chars = self.fonts.chars_of(f);
            // 1 to 256 characters: codes 0 to len - 1.
            let last = (chars.len().max(1) - 1) as u8;
            let mut c = Chunk::new();
            {
                let mut font = c.type3_font(id);
                font.bbox(Rect::new(0.0, -DESCENT * EM, ADVANCE, (1.0 - DESCENT) * EM));
                font.matrix([1.0 / EM, 0.0, 0.0, 1.0 / EM, 0.0, 0.0]);
                font.char_procs().pair(Name(b"g"), GLYPH);
                font.encoding_custom()
                    .differences()
                    .consecutive(0, std::iter::repeat_n(Name(b"g"), chars.len()));
                font.first_char(0);
                font.last_char(last);
                font.widths(std::iter::repeat_n(ADVANCE, chars.len()));
                font.resources();
                font.to_unicode(cmap_id);
            }
            self.emit(&mut out, id, c);
            let info = SystemInfo {
                registry: Str(b"Adobe"),
                ordering: Str(b"UCS"),
                supplement: 0,
            };
            let mut cmap = UnicodeCmap::<u8>::new(Name(b"Scanprep-Text-UCS"), info);
            for (code, ch) in chars.iter().enumerate() {
                cmap.pair(code as u8, *ch);
            }
            let cmap = cmap.finish();
            let mut c = Chunk::new();
            c.cmap(cmap_id, &cmap)
                .name(Name(b"Scanprep-Text-UCS"))
                .system_info(info);
            self.emit(&mut out, cmap_id, c);
        }

        let mut c = Chunk::new();
        c.pages(PAGES)
            .kids(self.pages.iter().copied())
            .count(self.pages.len() as i32);
        self.emit(&mut out, PAGES, c);

        let mut c = Chunk::new();
        c.icc_profile(ICC, &pdfa::gray_icc_profile())
            .n(1)
            .range([0.0, 1.0]);
        self.emit(&mut out, ICC, c);

        let id = self.fingerprint.digest();
        let uuid = pdfa::uuid(&id);
        let created = self.options.created_unix_seconds.map(UtcTime::from_unix);
        let producer = concat!("scanprep ", env!("CARGO_PKG_VERSION"));
        let conformance = if has_text { 'U' } else { 'B' };
        let xmp = pdfa::xmp(&Metadata {
            title: self.options.title.as_deref(),
            author: self.options.author.as_deref(),
            producer,
            created,
            conformance,
            document_id: &uuid,
        });
        let mut c = Chunk::new();
        c.metadata(METADATA, &xmp);
        self.emit(&mut out, METADATA, c);

        let mut c = Chunk::new();
        {
            let mut info: DocumentInfo = c.indirect(INFO).start();
            if let Some(t) = &self.options.title {
                info.title(TextStr(t));
            }
            if let Some(a) = &self.options.author {
                info.author(TextStr(a));
            }
            info.producer(TextStr(producer));
            info.creator(TextStr(producer));
            if let Some(t) = created {
                info.creation_date(t.pdf());
                info.modified_date(t.pdf());
            }
        }
        self.emit(&mut out, INFO, c);

        let mut c = Chunk::new();
        {
            let mut cat: Catalog = c.indirect(CATALOG).start();
            cat.pages(PAGES);
            cat.metadata(METADATA);
            cat.output_intents()
                .push()
                .subtype(OutputIntentSubtype::PDFA)
                .output_condition_identifier(TextStr("Gray gamma 2.2"))
                .info(TextStr("Gray, D50 white, gamma 2.2"))
                .dest_output_profile(ICC);
        }
        self.emit(&mut out, CATALOG, c);

        // Cross-reference table: every number from 0 to the last allocated.
        let xref_at = self.offset + out.len();
        let size = self.next as usize;
        let mut at = vec![None; size];
        for &(n, off) in &self.xref {
            if let Some(slot) = at.get_mut(n as usize) {
                *slot = Some(off);
            }
        }
        out.extend_from_slice(format!("xref\n0 {size}\n").as_bytes());
        for (n, off) in at.iter().enumerate() {
            let line = match off {
                Some(o) => format!("{o:010} 00000 n\r\n"),
                None if n == 0 => "0000000000 65535 f\r\n".to_string(),
                None => "0000000000 00001 f\r\n".to_string(),
            };
            out.extend_from_slice(line.as_bytes());
        }
        let hex: String = id.iter().map(|b| format!("{b:02X}")).collect();
        out.extend_from_slice(
            format!(
                "trailer\n<< /Size {size} /Root {} 0 R /Info {} 0 R /ID [<{hex}> <{hex}>] >>\nstartxref\n{xref_at}\n%%EOF\n",
                CATALOG.get(),
                INFO.get()
            )
            .as_bytes(),
        );
        self.offset += out.len();
        let summary = PdfSummary {
            pages: self.pages.len() as u32,
            words: self.words,
            bytes: self.offset as u64,
            conformance: if has_text { "PDF/A-2u" } else { "PDF/A-2b" },
        };
        Ok((out, summary))
    }
}

/// The text state last written in a page's text object.
#[derive(Default)]
struct TextState {
    scale: Option<f32>,
    font: Option<(u32, f32)>,
}

/// `v` to the nearest hundredth, so that it prints short.
fn hundredths(v: f32) -> f32 {
    (v * 100.0).round() / 100.0
}

/// The resource name of text font `f`.
fn font_name(f: u32) -> String {
    format!("T{f}")
}

/// The image XObject for one page, its data as it came.
fn write_image(c: &mut Chunk, id: Ref, img: &PageImage) {
    let mut x = c.image_xobject(id, &img.data);
    x.width(img.width as i32);
    x.height(img.height as i32);
    x.bits_per_component(img.bits as i32);
    match &img.colors {
        Colors::Gray => {
            x.color_space().device_gray();
        }
        Colors::IndexedGray(lookup) => {
            x.color_space().indexed(
                Name(b"DeviceGray"),
                lookup.len().saturating_sub(1) as i32,
                lookup,
            );
        }
    }
    match img.coding {
        Coding::Jbig2 => {
            x.filter(Filter::Jbig2Decode);
        }
        Coding::Group4 { black_is_1 } => {
            x.filter(Filter::CcittFaxDecode);
            let mut p = x.decode_parms();
            p.k(-1).columns(img.width as i32).rows(img.height as i32);
            if black_is_1 {
                p.black_is_1(true);
            }
        }
        Coding::Flate => {
            x.filter(Filter::FlateDecode);
            let colors = 1;
            x.decode_parms()
                .predictor(Predictor::PngOptimum)
                .colors(colors)
                .bits_per_component(img.bits as i32)
                .columns(img.width as i32);
        }
        Coding::Dct => {
            x.filter(Filter::DctDecode);
        }
    }
}

/// The characters of the text layer, 256 to a font (single-byte codes), in order of first
/// use, so that the same words give the same fonts. A word's characters are kept in one font
/// when they fit (PDF readers break a word where the font changes).
#[derive(Debug, Default)]
struct FontSet {
    fonts: Vec<Vec<char>>,
    index: Vec<HashMap<char, u8>>,
    refs: Vec<Ref>,
}

impl FontSet {
    /// The codes of `text`, in runs of one font each.
    fn codes(&mut self, text: &str) -> Vec<(u32, Vec<u8>)> {
        let mut distinct: Vec<char> = text.chars().collect();
        distinct.sort_unstable();
        distinct.dedup();
        let fits = |f: usize, this: &Self| {
            let missing = distinct
                .iter()
                .filter(|c| !this.index[f].contains_key(c))
                .count();
            this.fonts[f].len() + missing <= 256
        };
        let home = match (0..self.fonts.len()).find(|&f| fits(f, self)) {
            Some(f) => Some(f),
            None if distinct.len() <= 256 => Some(self.new_font()),
            // Over 256 distinct characters: the word needs several fonts anyway.
            None => None,
        };
        let mut runs: Vec<(u32, Vec<u8>)> = Vec::new();
        for ch in text.chars() {
            let (f, code) = match home {
                Some(f) => (f, self.code_in(f, ch)),
                None => match self.index.iter().position(|m| m.contains_key(&ch)) {
                    Some(f) => (f, self.index[f][&ch]),
                    None => {
                        let f = match self.fonts.last() {
                            Some(l) if l.len() < 256 => self.fonts.len() - 1,
                            _ => self.new_font(),
                        };
                        (f, self.code_in(f, ch))
                    }
                },
            };
            match runs.last_mut() {
                Some((rf, run)) if *rf == f as u32 => run.push(code),
                _ => runs.push((f as u32, vec![code])),
            }
        }
        runs
    }

    fn new_font(&mut self) -> usize {
        self.fonts.push(Vec::new());
        self.index.push(HashMap::new());
        self.fonts.len() - 1
    }

    /// The code of `ch` in font `f`, added when new; [`Self::codes`] only asks of a font
    /// with room.
    fn code_in(&mut self, f: usize, ch: char) -> u8 {
        if let Some(&c) = self.index[f].get(&ch) {
            return c;
        }
        debug_assert!(self.fonts[f].len() < 256);
        let c = self.fonts[f].len() as u8;
        self.fonts[f].push(ch);
        self.index[f].insert(ch, c);
        c
    }

    fn count(&self) -> usize {
        self.fonts.iter().map(Vec::len).sum()
    }

    fn fonts(&self) -> u32 {
        self.fonts.len() as u32
    }

    fn chars_of(&self, f: u32) -> Vec<char> {
        self.fonts[f as usize].clone()
    }

    /// The object number of font `f`, allocated from `next` at first use.
    fn font_ref(&mut self, f: u32, next: &mut i32) -> Ref {
        while self.refs.len() <= f as usize {
            self.refs.push(Ref::new(*next));
            *next += 1;
        }
        self.refs[f as usize]
    }
}
