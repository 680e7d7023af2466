//! Text files from Chinese desktops: UTF-8 (with or without BOM) or GBK/GB18030 (Windows code page 936, what
//! Excel and land-management software write by default).

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    Utf8,
    Gbk,
}

impl TextEncoding {
    pub fn name(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "UTF-8",
            TextEncoding::Gbk => "GBK (CP936)",
        }
    }
}

/// Decodes UTF-8 when the bytes are valid UTF-8, else GBK (GB18030 superset); `None` when neither fits.
pub fn decode(bytes: &[u8]) -> Option<(String, TextEncoding)> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Some((s.to_string(), TextEncoding::Utf8));
    }
    let (text, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
    if had_errors {
        None
    } else {
        Some((text.into_owned(), TextEncoding::Gbk))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gbk_bytes_decode_as_gbk() {
        // 黑龙江省 in GBK, as in geotools' chinese_poly.dbf.
        let (s, e) = decode(&[0xba, 0xda, 0xc1, 0xfa, 0xbd, 0xad, 0xca, 0xa1]).expect("decodes");
        assert_eq!(s, "黑龙江省");
        assert_eq!(e, TextEncoding::Gbk);
    }

    #[test]
    fn utf8_with_bom_is_utf8() {
        let (s, e) = decode("\u{feff}[地块坐标]".as_bytes()).expect("decodes");
        assert_eq!(s, "[地块坐标]");
        assert_eq!(e, TextEncoding::Utf8);
    }

    #[test]
    fn binary_is_neither() {
        assert!(decode(&[0xff, 0xff, 0x81, 0x20]).is_none());
    }
}
