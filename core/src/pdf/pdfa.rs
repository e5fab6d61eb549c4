//! What PDF/A-2 (ISO 19005-2) asks of a file beyond plain PDF: an XMP metadata packet naming
//! the part and conformance level and repeating the document information, an output intent
//! with an ICC profile (here a gray one: every page is gray or bilevel), and a document ID.
//!
//! The gray profile is an ICC v2 monochrome display profile (ICC.1:2001-04): D50 white point,
//! a gamma 2.2 tone curve, description and copyright; built here byte by byte (368 bytes), so
//! no profile file ships with the engine.

/// A calendar time in UTC, from seconds since the Unix epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct UtcTime {
    pub year: i32,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
}

impl UtcTime {
    /// Converts seconds since 1970-01-01T00:00:00Z (days from civil, H. Hinnant's algorithm).
    pub fn from_unix(secs: i64) -> UtcTime {
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400);
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        UtcTime {
            year: year.clamp(0, 9999),
            month,
            day,
            hour: (rem / 3600) as u8,
            minute: (rem / 60 % 60) as u8,
            second: (rem % 60) as u8,
        }
    }

    /// `YYYY-MM-DDThh:mm:ssZ`, as XMP writes dates.
    pub fn xmp(&self) -> String {
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }

    /// The same time as a PDF date object.
    pub fn pdf(&self) -> pdf_writer::Date {
        pdf_writer::Date::new(self.year as u16)
            .month(self.month)
            .day(self.day)
            .hour(self.hour)
            .minute(self.minute)
            .second(self.second)
            .utc_offset_hour(0)
            .utc_offset_minute(0)
    }
}

/// The document information repeated in XMP.
pub(crate) struct Metadata<'a> {
    pub title: Option<&'a str>,
    pub author: Option<&'a str>,
    pub producer: &'a str,
    pub created: Option<UtcTime>,
    /// `B`, or `U` when every page's text is mapped to Unicode (a text layer).
    pub conformance: char,
    pub document_id: &'a str,
}

/// The XMP packet (uncompressed, as PDF/A wants it to be readable by any tool).
pub(crate) fn xmp(m: &Metadata) -> Vec<u8> {
    let mut s = String::with_capacity(1500);
    s.push_str("<?xpacket begin=\"\u{feff}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n");
    s.push_str("<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n");
    s.push_str("<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n");
    s.push_str("<rdf:Description rdf:about=\"\"");
    s.push_str(" xmlns:pdfaid=\"http://www.aiim.org/pdfa/ns/id/\"");
    s.push_str(" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"");
    s.push_str(" xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\"");
    s.push_str(" xmlns:pdf=\"http://ns.adobe.com/pdf/1.3/\"");
    s.push_str(" xmlns:xmpMM=\"http://ns.adobe.com/xap/1.0/mm/\">\n");
    s.push_str(&format!(
        "<pdfaid:part>2</pdfaid:part>\n<pdfaid:conformance>{}</pdfaid:conformance>\n",
        m.conformance
    ));
    s.push_str("<dc:format>application/pdf</dc:format>\n");
    if let Some(t) = m.title {
        s.push_str(&format!(
            "<dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">{}</rdf:li></rdf:Alt></dc:title>\n",
            escape(t)
        ));
    }
    if let Some(a) = m.author {
        s.push_str(&format!(
            "<dc:creator><rdf:Seq><rdf:li>{}</rdf:li></rdf:Seq></dc:creator>\n",
            escape(a)
        ));
    }
    s.push_str(&format!(
        "<pdf:Producer>{}</pdf:Producer>\n",
        escape(m.producer)
    ));
    s.push_str(&format!(
        "<xmp:CreatorTool>{}</xmp:CreatorTool>\n",
        escape(m.producer)
    ));
    if let Some(t) = m.created {
        let d = t.xmp();
        s.push_str(&format!(
            "<xmp:CreateDate>{d}</xmp:CreateDate>\n<xmp:ModifyDate>{d}</xmp:ModifyDate>\n<xmp:MetadataDate>{d}</xmp:MetadataDate>\n"
        ));
    }
    s.push_str(&format!(
        "<xmpMM:DocumentID>uuid:{}</xmpMM:DocumentID>\n",
        m.document_id
    ));
    s.push_str("</rdf:Description>\n</rdf:RDF>\n</x:xmpmeta>\n<?xpacket end=\"r\"?>");
    s.into_bytes()
}

/// XML character escapes; control characters XML cannot hold become spaces.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The ICC v2 gray display profile of the output intent.
pub(crate) fn gray_icc_profile() -> Vec<u8> {
    fn s15(v: f64) -> [u8; 4] {
        ((v * 65536.0).round() as i32).to_be_bytes()
    }
    let d50 = [s15(0.9642), s15(1.0), s15(0.8249)].concat();
    let desc_text = b"scanprep gray, gamma 2.2\0";
    let mut desc = b"desc\0\0\0\0".to_vec();
    desc.extend_from_slice(&(desc_text.len() as u32).to_be_bytes());
    desc.extend_from_slice(desc_text);
    desc.extend_from_slice(&[0; 8]); // Unicode language code and count: none
    desc.extend_from_slice(&[0; 3]); // ScriptCode code and count: none
    desc.extend_from_slice(&[0; 67]); // ScriptCode description
    let mut wtpt = b"XYZ \0\0\0\0".to_vec();
    wtpt.extend_from_slice(&d50);
    let mut ktrc = b"curv\0\0\0\0".to_vec();
    ktrc.extend_from_slice(&1u32.to_be_bytes());
    ktrc.extend_from_slice(&0x0233u16.to_be_bytes()); // gamma 2.2 as u8Fixed8 (563/256)
    let mut cprt = b"text\0\0\0\0".to_vec();
    cprt.extend_from_slice(b"No copyright, use freely\0");
    let tags: [(&[u8; 4], &[u8]); 4] = [
        (b"desc", &desc),
        (b"wtpt", &wtpt),
        (b"kTRC", &ktrc),
        (b"cprt", &cprt),
    ];
    let mut table = Vec::new();
    let mut body = Vec::new();
    let start = 128 + 4 + 12 * tags.len();
    for (sig, data) in tags {
        let offset = start + body.len();
        table.extend_from_slice(sig);
        table.extend_from_slice(&(offset as u32).to_be_bytes());
        table.extend_from_slice(&(data.len() as u32).to_be_bytes());
        body.extend_from_slice(data);
        while body.len() % 4 != 0 {
            body.push(0);
        }
    }
    let size = start + body.len();
    let mut p = Vec::with_capacity(size);
    p.extend_from_slice(&(size as u32).to_be_bytes());
    p.extend_from_slice(&[0; 4]); // preferred CMM: none
    p.extend_from_slice(&0x0210_0000u32.to_be_bytes()); // version 2.1
    p.extend_from_slice(b"mntrGRAYXYZ ");
    for v in [2026u16, 1, 1, 0, 0, 0] {
        p.extend_from_slice(&v.to_be_bytes());
    }
    p.extend_from_slice(b"acsp");
    p.extend_from_slice(&[0; 24]); // platform, flags, manufacturer, model, attributes
    p.extend_from_slice(&0u32.to_be_bytes()); // rendering intent: perceptual
    p.extend_from_slice(&d50); // PCS illuminant
    p.extend_from_slice(&[0; 4]); // creator
    p.resize(128, 0);
    p.extend_from_slice(&(tags.len() as u32).to_be_bytes());
    p.extend_from_slice(&table);
    p.extend_from_slice(&body);
    p
}

/// A 128-bit fingerprint of the document's content (two FNV-1a 64 lanes with different
/// offsets, mixed), for the trailer's `/ID` and XMP's `DocumentID`: the same pages give the
/// same ID, so builds are reproducible.
#[derive(Debug, Clone)]
pub(crate) struct Fingerprint([u64; 2]);

impl Fingerprint {
    pub fn new() -> Self {
        Fingerprint([0xcbf2_9ce4_8422_2325, 0x6c62_272e_07bb_0142])
    }

    pub fn update(&mut self, bytes: &[u8]) {
        let [mut a, mut b] = self.0;
        for &x in bytes {
            a = (a ^ x as u64).wrapping_mul(0x0000_0100_0000_01B3);
            b = (b ^ x as u64)
                .wrapping_mul(0x0000_0100_0000_01B3)
                .rotate_left(5);
        }
        self.0 = [a, b];
    }

    pub fn digest(&self) -> [u8; 16] {
        let mix = |mut z: u64| {
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        };
        let mut out = [0u8; 16];
        out[..8].copy_from_slice(&mix(self.0[0] ^ self.0[1].rotate_left(17)).to_be_bytes());
        out[8..].copy_from_slice(&mix(self.0[1] ^ self.0[0]).to_be_bytes());
        out
    }
}

/// `8-4-4-4-12` hex, as a UUID is written (version nibble set to 4, variant to 10xx).
pub(crate) fn uuid(id: &[u8; 16]) -> String {
    let mut b = *id;
    b[6] = (b[6] & 0x0F) | 0x40;
    b[8] = (b[8] & 0x3F) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_times_become_calendar_dates() {
        let t = UtcTime::from_unix(0);
        assert_eq!((t.year, t.month, t.day, t.hour), (1970, 1, 1, 0));
        // 2026-12-04T18:01:45Z
        assert_eq!(
            UtcTime::from_unix(1_796_407_305).xmp(),
            "2026-12-04T18:01:45Z"
        );
        // A leap day.
        assert_eq!(
            UtcTime::from_unix(951_782_400).xmp(),
            "2000-02-29T00:00:00Z"
        );
        assert_eq!(UtcTime::from_unix(-1).xmp(), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn gray_profile_is_well_formed() {
        let p = gray_icc_profile();
        assert_eq!(
            u32::from_be_bytes(p[0..4].try_into().unwrap()) as usize,
            p.len()
        );
        assert_eq!(&p[12..24], b"mntrGRAYXYZ ");
        assert_eq!(&p[36..40], b"acsp");
        let n = u32::from_be_bytes(p[128..132].try_into().unwrap()) as usize;
        assert_eq!(n, 4);
        for i in 0..n {
            let e = &p[132 + 12 * i..144 + 12 * i];
            let off = u32::from_be_bytes(e[4..8].try_into().unwrap()) as usize;
            let len = u32::from_be_bytes(e[8..12].try_into().unwrap()) as usize;
            assert_eq!(off % 4, 0);
            assert!(off + len <= p.len());
            // Each tag's data starts with its type signature.
            let types: &[&[u8]] = &[b"desc", b"XYZ ", b"curv", b"text"];
            assert_eq!(&p[off..off + 4], types[i]);
        }
    }

    #[test]
    fn fingerprint_depends_on_every_byte() {
        let mut a = Fingerprint::new();
        a.update(b"page one");
        let mut b = Fingerprint::new();
        b.update(b"page onf");
        assert_ne!(a.digest(), b.digest());
        let mut c = Fingerprint::new();
        c.update(b"page one");
        assert_eq!(a.digest(), c.digest());
        let u = uuid(&a.digest());
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
    }
}
