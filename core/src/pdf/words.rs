//! OCR words with their boxes, the input of the PDF's text layer: a small JSON form (this
//! type, read by the hosts with `serde`), hOCR (what Tesseract's `hocr` config writes) and
//! Tesseract's TSV. Boxes are in the pixels of the image the OCR engine read; when that
//! image's size is known and differs from the page's, the boxes are scaled to the page.

use serde::{Deserialize, Serialize};

use crate::Error;

/// One recognised word and its box.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Word {
    /// The word's text (Unicode).
    pub text: String,
    /// `[left, top, right, bottom]` in image pixels, the origin at the image's top-left.
    pub bbox: [f64; 4],
}

/// The words of one page, in reading order, and the size of the image they were read on.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PageWords {
    /// Width of the image the boxes refer to; `None`: the page image itself.
    pub width: Option<u32>,
    /// Height of the image the boxes refer to; `None`: the page image itself.
    pub height: Option<u32>,
    /// The words, in reading order.
    pub words: Vec<Word>,
}

impl PageWords {
    /// Reads hOCR or Tesseract TSV, recognised by their first bytes. (The JSON form is
    /// [`PageWords`] itself, read with `serde`.)
    pub fn parse(text: &str) -> Result<PageWords, Error> {
        let t = text.trim_start_matches('\u{feff}').trim_start();
        if t.starts_with('<') {
            parse_hocr(t)
        } else if t.starts_with("level\t") {
            parse_tsv(t)
        } else {
            Err(bad(1, "neither hOCR nor Tesseract TSV (use the JSON form)"))
        }
    }

    /// Checks the boxes: finite, `left <= right`, `top <= bottom`.
    pub(crate) fn validate(&self) -> Result<(), Error> {
        for w in &self.words {
            let [l, t, r, b] = w.bbox;
            if !(l.is_finite() && t.is_finite() && r.is_finite() && b.is_finite()) || l > r || t > b
            {
                return Err(Error::InvalidOcrWords {
                    line: 0,
                    reason: "a word's bbox is not [left, top, right, bottom] with left <= right and top <= bottom",
                });
            }
        }
        if matches!(self.width, Some(0)) || matches!(self.height, Some(0)) {
            return Err(Error::InvalidOcrWords {
                line: 0,
                reason: "the words' image size has a zero side",
            });
        }
        Ok(())
    }
}

fn bad(line: usize, reason: &'static str) -> Error {
    Error::InvalidOcrWords { line, reason }
}

/// Tesseract's TSV: a header line, then one line per element; level 5 lines are words with
/// `left top width height conf text`; the level 1 line gives the page's size.
fn parse_tsv(text: &str) -> Result<PageWords, Error> {
    let mut out = PageWords::default();
    for (i, line) in text.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.splitn(12, '\t').collect();
        if f.len() < 11 {
            return Err(bad(i + 1, "a TSV line has fewer than 11 columns"));
        }
        let num = |k: usize| -> Result<f64, Error> {
            pixels(f[k]).ok_or_else(|| bad(i + 1, "a TSV box field is not a whole number"))
        };
        let (left, top, w, h) = (num(6)?, num(7)?, num(8)?, num(9)?);
        match f[0].trim() {
            "1" => {
                out.width = Some(w.max(0.0) as u32);
                out.height = Some(h.max(0.0) as u32);
            }
            "5" => {
                let text = f.get(11).copied().unwrap_or("").trim();
                if !text.is_empty() {
                    out.words.push(Word {
                        text: text.to_string(),
                        bbox: [left, top, left + w, top + h],
                    });
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

/// hOCR: every element whose class is `ocrx_word` (or, lacking those, `ocr_word`) becomes a
/// word, its box from `bbox` in its `title`, its text the element's text with tags removed
/// and entities decoded; the `ocr_page` box gives the image's size.
fn parse_hocr(text: &str) -> Result<PageWords, Error> {
    let mut out = PageWords::default();
    let mut rest = text;
    let line_of = |s: &str| text[..text.len() - s.len()].matches('\n').count() + 1;
    while let Some(open) = rest.find('<') {
        rest = &rest[open..];
        let close = rest
            .find('>')
            .ok_or_else(|| bad(line_of(rest), "a tag is not closed"))?;
        let tag = &rest[1..close];
        let after = &rest[close + 1..];
        if tag.starts_with('/') || tag.starts_with('!') || tag.starts_with('?') {
            rest = after;
            continue;
        }
        let class = attribute(tag, "class").unwrap_or("");
        let is_word = class
            .split_whitespace()
            .any(|c| c == "ocrx_word" || c == "ocr_word");
        let is_page = class.split_whitespace().any(|c| c == "ocr_page");
        if is_word || is_page {
            let title = attribute(tag, "title").unwrap_or("");
            let bbox = title_bbox(title);
            if is_page {
                if let Some([l, t, r, b]) = bbox {
                    out.width = Some((r - l).max(0.0) as u32);
                    out.height = Some((b - t).max(0.0) as u32);
                }
            } else {
                let bbox = bbox.ok_or_else(|| bad(line_of(rest), "an hOCR word has no bbox"))?;
                let name = tag.split_whitespace().next().unwrap_or("span");
                let end_tag = format!("</{name}>");
                // The word's element may hold others (`<strong>`): its end is the first end
                // tag of its own name after it.
                let end = after
                    .find(&end_tag)
                    .ok_or_else(|| bad(line_of(rest), "an hOCR word is not closed"))?;
                let word = decode_entities(&strip_tags(&after[..end]));
                let word = word.trim();
                if !word.is_empty() {
                    out.words.push(Word {
                        text: word.to_string(),
                        bbox,
                    });
                }
                rest = &after[end + end_tag.len()..];
                continue;
            }
        }
        rest = after;
    }
    Ok(out)
}

/// The value of attribute `name` in a start tag, quoted with `'` or `"`.
fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let mut from = 0;
    while let Some(i) = tag[from..].find(name) {
        let at = from + i;
        from = at + name.len();
        let before_ok = at == 0 || tag[..at].ends_with(char::is_whitespace);
        let rest = tag[from..].trim_start();
        if !before_ok || !rest.starts_with('=') {
            continue;
        }
        let rest = rest[1..].trim_start();
        let quote = rest.chars().next()?;
        if quote != '"' && quote != '\'' {
            return rest.split_whitespace().next();
        }
        let body = &rest[1..];
        return body.find(quote).map(|e| &body[..e]);
    }
    None
}

/// `bbox l t r b` from an hOCR title (`bbox 10 20 30 40; x_wconf 96`).
fn title_bbox(title: &str) -> Option<[f64; 4]> {
    let part = title
        .split(';')
        .map(str::trim)
        .find(|p| p.starts_with("bbox "))?;
    let v: Vec<f64> = part[5..]
        .split_whitespace()
        .map(pixels)
        .collect::<Option<_>>()?;
    (v.len() == 4).then(|| [v[0], v[1], v[2], v[3]])
}

/// A whole number of pixels, as hOCR and TSV write them (integers: no float parser needed,
/// which keeps the PDF module small).
fn pixels(s: &str) -> Option<f64> {
    s.trim().parse::<i64>().ok().map(|v| v as f64)
}

fn strip_tags(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// Decodes `&amp;`, `&lt;`, `&gt;`, `&quot;`, `&apos;`, `&#N;` and `&#xH;`; others stay.
fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let Some(end) = rest.find(';').filter(|&e| e <= 10) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let name = &rest[1..end];
        let c = match name {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ if name.starts_with("#x") || name.starts_with("#X") => {
                u32::from_str_radix(&name[2..], 16)
                    .ok()
                    .and_then(char::from_u32)
            }
            _ if name.starts_with('#') => name[1..].parse().ok().and_then(char::from_u32),
            _ => None,
        };
        match c {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hocr_words_boxes_and_page_size() {
        let hocr = r#"<?xml version="1.0"?>
<html><body>
 <div class='ocr_page' id='page_1' title='image "x.png"; bbox 0 0 2480 3508; ppageno 0'>
  <span class='ocr_line' title="bbox 100 200 900 260; baseline 0 -10">
   <span class='ocrx_word' id='word_1_1' title='bbox 100 200 380 260; x_wconf 96'>Invoice</span>
   <span class='ocrx_word' id='word_1_2' title='bbox 400 205 900 258; x_wconf 91'><strong>R&amp;D&#x2019;s</strong></span>
  </span>
 </div></body></html>"#;
        let p = PageWords::parse(hocr).unwrap();
        assert_eq!((p.width, p.height), (Some(2480), Some(3508)));
        assert_eq!(p.words.len(), 2);
        assert_eq!(p.words[0].text, "Invoice");
        assert_eq!(p.words[0].bbox, [100.0, 200.0, 380.0, 260.0]);
        assert_eq!(p.words[1].text, "R&D\u{2019}s");
    }

    #[test]
    fn tesseract_tsv_words() {
        let tsv = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n\
1\t1\t0\t0\t0\t0\t0\t0\t1000\t800\t-1\t\n\
4\t1\t1\t1\t1\t0\t10\t20\t300\t40\t-1\t\n\
5\t1\t1\t1\t1\t1\t10\t20\t120\t40\t95.5\tHello\n\
5\t1\t1\t1\t1\t2\t150\t22\t160\t38\t93\tworld\n\
5\t1\t1\t1\t1\t3\t320\t22\t10\t38\t93\t \n";
        let p = PageWords::parse(tsv).unwrap();
        assert_eq!((p.width, p.height), (Some(1000), Some(800)));
        let texts: Vec<&str> = p.words.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(texts, ["Hello", "world"]);
        assert_eq!(p.words[1].bbox, [150.0, 22.0, 310.0, 60.0]);
    }

    #[test]
    fn malformed_words_are_typed_errors() {
        for bad in [
            "plain text",
            "<span class='ocrx_word' title='x_wconf 9'>a</span>",
            "<span class='ocrx_word' title='bbox 1 2 3 4'>a",
            "<span class='ocrx_word'",
            "level\tpage\n5\t1\t1",
            "level\tpage\n5\t1\t1\t1\t1\t1\tx\t2\t3\t4\t9\tw",
        ] {
            let e = PageWords::parse(bad).unwrap_err();
            assert_eq!(e.code(), "invalid_ocr_words", "{bad}");
        }
        let inverted = PageWords {
            words: vec![Word {
                text: "a".into(),
                bbox: [10.0, 0.0, 5.0, 3.0],
            }],
            ..Default::default()
        };
        assert!(inverted.validate().is_err());
    }
}
