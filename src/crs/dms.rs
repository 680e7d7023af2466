//! Two coordinates as people type them (`--at` on the CLI, `at=` in `GET /v1/assessments`):
//!
//! - decimal numbers: `113.5 33.3`, `113.5,33.3`, `113.5，33.3`, `-70.1 -33.4`;
//! - degrees–minutes–seconds with `°` and `′ ″` or ASCII `' "` (also `''` for seconds, `’ ”` from word processors,
//!   `º`/`˚` for degrees): `113°30'15.2"E 33°16'20"N`, degrees and decimal minutes `113°30.25'E`;
//! - Chinese marks `度 分 秒`: `113度30分15.2秒`, `33度16分`;
//! - hemisphere letters N/S/E/W (any case) after each value, or before it (`N33°16′20″ E113°30′15″`), or the
//!   Chinese words 北纬/南纬/东经/西经 before it (`东经113度30分 北纬33度16分`); S and W make the value negative,
//!   as does a leading minus sign (but not both).
//!
//! With hemisphere letters either order is fine: the letters say which value is the latitude. Without letters the
//! first value is x (the longitude), as everywhere in ecogate; a later check catches lat/lon sent swapped.
//! Full-width digits and punctuation (`１１３．５，３３．３`) are read as their ASCII forms.
//!
//! Refused with a reason: minutes or seconds ≥ 60, minutes or seconds without degrees, fractional degrees followed
//! by minutes, a number after `°` without a `′` mark, more or fewer than two values (e.g. `113 30 15 33 16 20`:
//! DMS without marks is ambiguous), two latitudes or two longitudes, a sign together with a hemisphere letter.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notation {
    /// Plain decimal numbers.
    Decimal,
    /// Degrees with `°`/度 (and possibly minutes and seconds).
    Dms,
}

/// Two values read from a text, in the order written.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedPair {
    pub first: f64,
    pub second: f64,
    /// `Some(true)` when hemisphere letters say the first value is the latitude, `Some(false)` when they say it is
    /// the longitude, `None` without letters.
    pub lat_first: Option<bool>,
    pub notation: Notation,
}

impl ParsedPair {
    /// Longitude and latitude: by the hemisphere letters when there are any, else first = x = longitude.
    pub fn lon_lat(&self) -> (f64, f64) {
        if self.lat_first == Some(true) {
            (self.second, self.first)
        } else {
            (self.first, self.second)
        }
    }

    /// True when the text used degree marks or hemisphere letters, i.e. it can only be degrees.
    pub fn is_angular(&self) -> bool {
        self.notation == Notation::Dms || self.lat_first.is_some()
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DmsError {
    #[error("{text:?} holds no coordinates: give two values, e.g. \"113°30'15\\\"E 33°16'20\\\"N\" or \"113.504 33.272\"")]
    Empty { text: String },
    #[error("cannot read {text:?}: unexpected {found:?}")]
    Unreadable { text: String, found: String },
    #[error("{text:?} holds one coordinate; give two (longitude and latitude)")]
    OneValue { text: String },
    #[error("minutes must be less than 60: {value} in {text:?}")]
    MinutesOutOfRange { value: f64, text: String },
    #[error("seconds must be less than 60: {value} in {text:?}")]
    SecondsOutOfRange { value: f64, text: String },
    #[error("{text:?} is ambiguous: {reason}")]
    Ambiguous { text: String, reason: &'static str, reason_zh: &'static str },
    #[error("{text:?} gives two {axis}s ({letters}): one value must be a latitude (N/S) and the other a longitude (E/W)")]
    SameAxis { text: String, axis: &'static str, letters: String },
    #[error("{text:?} gives both a sign and a hemisphere letter for one value; use one (−33.2 or 33.2S)")]
    SignAndHemisphere { text: String },
}

impl DmsError {
    pub fn message_zh(&self) -> String {
        match self {
            DmsError::Empty { text } => format!("“{text}”中没有坐标：请给出两个值，例如 113°30'15\"E 33°16'20\"N 或 113.504 33.272。"),
            DmsError::Unreadable { text, found } => format!("无法识别“{text}”：意外的“{found}”。"),
            DmsError::OneValue { text } => format!("“{text}”只有一个坐标值，请给出经度和纬度两个值。"),
            DmsError::MinutesOutOfRange { value, text } => format!("分必须小于 60：“{text}”中的 {value}。"),
            DmsError::SecondsOutOfRange { value, text } => format!("秒必须小于 60：“{text}”中的 {value}。"),
            DmsError::Ambiguous { text, reason_zh, .. } => format!("“{text}”有歧义：{reason_zh}"),
            DmsError::SameAxis { text, axis, letters } => {
                let zh = if *axis == "latitude" { "纬度" } else { "经度" };
                format!("“{text}”给出了两个{zh}（{letters}）：应一个为纬度（N/S），一个为经度（E/W）。")
            }
            DmsError::SignAndHemisphere { text } => format!("“{text}”中同一数值既有正负号又有方位字母，请只用一种（如 −33.2 或 33.2S）。"),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num { value: f64, negative: bool, fractional: bool },
    Deg,
    Min,
    Sec,
    Hemi(char),
    Sep,
}

fn ambiguous(text: &str, reason: &'static str, reason_zh: &'static str) -> DmsError {
    DmsError::Ambiguous { text: text.to_string(), reason, reason_zh }
}

/// Full-width forms and look-alikes to the ASCII the tokenizer reads.
fn normalise(c: char) -> char {
    match c {
        '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
        '．' => '.',
        '－' | '−' | '–' => '-',
        '＋' => '+',
        '，' | '、' => ',',
        '；' => ';',
        '／' => '/',
        '　' => ' ',
        other => other,
    }
}

fn tokenize(text: &str) -> Result<Vec<Tok>, DmsError> {
    let chars: Vec<char> = text.chars().map(normalise).collect();
    let unreadable = |found: String| DmsError::Unreadable { text: text.to_string(), found };
    let mut toks = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match c {
            _ if c.is_whitespace() => i += 1,
            '0'..='9' | '.' | '+' | '-' => {
                let negative = c == '-';
                let mut j = if c == '+' || c == '-' { i + 1 } else { i };
                let start = j;
                while j < chars.len() && (chars[j].is_ascii_digit() || chars[j] == '.') {
                    j += 1;
                }
                let digits: String = chars[start..j].iter().collect();
                if digits.is_empty() || digits.matches('.').count() > 1 || !digits.chars().any(|d| d.is_ascii_digit()) {
                    return Err(unreadable(chars[i..j.max(i + 1)].iter().collect()));
                }
                let value: f64 = digits.parse().map_err(|_| unreadable(digits.clone()))?;
                toks.push(Tok::Num { value, negative, fractional: digits.contains('.') });
                i = j;
            }
            ',' | ';' | '/' => {
                toks.push(Tok::Sep);
                i += 1;
            }
            '°' | 'º' | '˚' | '度' => {
                toks.push(Tok::Deg);
                i += 1;
            }
            '\'' | '′' | '’' | '‘' | '´' | 'ʹ' => {
                if matches!(next, Some('\'' | '′' | '’' | '‘' | '´' | 'ʹ')) {
                    toks.push(Tok::Sec);
                    i += 2;
                } else {
                    toks.push(Tok::Min);
                    i += 1;
                }
            }
            '分' => {
                toks.push(Tok::Min);
                i += 1;
            }
            '"' | '″' | '”' | '“' | 'ʺ' | '秒' => {
                toks.push(Tok::Sec);
                i += 1;
            }
            'N' | 'n' | 'S' | 's' | 'E' | 'e' | 'W' | 'w' => {
                // A letter must stand alone (not part of a word such as "East" or "lat").
                if next.is_some_and(|n| n.is_ascii_alphabetic()) {
                    return Err(unreadable(chars[i..].iter().take_while(|c| c.is_ascii_alphabetic()).collect()));
                }
                toks.push(Tok::Hemi(c.to_ascii_uppercase()));
                i += 1;
            }
            '北' | '南' | '东' | '西' => {
                toks.push(Tok::Hemi(match c {
                    '北' => 'N',
                    '南' => 'S',
                    '东' => 'E',
                    _ => 'W',
                }));
                i += if matches!(next, Some('纬' | '经')) { 2 } else { 1 };
            }
            other => return Err(unreadable(other.to_string())),
        }
    }
    Ok(toks)
}

/// One value being read.
#[derive(Debug, Default)]
struct Value {
    hemi: Option<char>,
    negative: bool,
    degrees: f64,
    marked: bool,
}

struct Reader<'a> {
    text: &'a str,
    toks: Vec<Tok>,
    i: usize,
}

impl Reader<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.i)
    }

    fn peek2(&self) -> Option<&Tok> {
        self.toks.get(self.i + 1)
    }

    /// Reads one value; `prefix_style` says whether hemisphere letters stand before the values.
    fn value(&mut self, prefix_style: bool) -> Result<Option<Value>, DmsError> {
        let text = self.text;
        let mut v = Value::default();
        if let Some(Tok::Hemi(h)) = self.peek() {
            if !prefix_style {
                return Err(ambiguous(text, "hemisphere letters stand both before and after values; put them after each value (33.2N 113.5E) or before each (N33.2 E113.5)", "方位字母有的在数值前、有的在数值后；请统一写在每个数值之后（33.2N 113.5E）或之前（N33.2 E113.5）。"));
            }
            v.hemi = Some(*h);
            self.i += 1;
        }
        let (d, negative, d_fractional) = match self.peek() {
            Some(Tok::Num { value, negative, fractional }) => (*value, *negative, *fractional),
            Some(Tok::Min | Tok::Sec) => {
                return Err(ambiguous(text, "minutes or seconds without degrees", "有分或秒而没有度。"));
            }
            None if v.hemi.is_none() => return Ok(None),
            _ => return Err(ambiguous(text, "a hemisphere letter or mark without a number", "方位字母或符号缺少对应的数值。")),
        };
        self.i += 1;
        v.negative = negative;
        v.degrees = d;
        if self.peek() == Some(&Tok::Deg) {
            self.i += 1;
            v.marked = true;
            let mut previous_fractional = d_fractional;
            for (unit, scale) in [(Tok::Min, 60.0), (Tok::Sec, 3600.0)] {
                let Some(Tok::Num { value, negative, fractional }) = self.peek().cloned() else { break };
                match self.peek2() {
                    Some(t) if *t == unit => {}
                    // The next number is the other coordinate's degrees.
                    Some(Tok::Deg) => break,
                    Some(Tok::Sec) if unit == Tok::Min => {
                        return Err(ambiguous(text, "seconds without minutes: write 0′ for zero minutes", "有秒而没有分：分为零时请写 0′。"));
                    }
                    Some(Tok::Min) => return Err(ambiguous(text, "degrees, minutes and seconds out of order", "度、分、秒的顺序不对。")),
                    _ if unit == Tok::Min => {
                        return Err(ambiguous(text, "a number after ° has no ′ (minutes) mark", "度（°）后的数值缺少分（′）符号。"));
                    }
                    _ => return Err(ambiguous(text, "a number after ′ has no ″ (seconds) mark", "分（′）后的数值缺少秒（″）符号。")),
                }
                if negative {
                    return Err(ambiguous(text, "minutes and seconds cannot be negative; put the sign before the degrees", "分、秒不能为负，负号应写在度之前。"));
                }
                if previous_fractional {
                    return Err(ambiguous(text, "a fractional value followed by a smaller unit (e.g. 113.5°30′)", "带小数的度（或分）后面又有分（或秒），如 113.5°30′。"));
                }
                if value >= 60.0 {
                    return Err(if unit == Tok::Min {
                        DmsError::MinutesOutOfRange { value, text: text.to_string() }
                    } else {
                        DmsError::SecondsOutOfRange { value, text: text.to_string() }
                    });
                }
                v.degrees += value / scale;
                previous_fractional = fractional;
                self.i += 2;
            }
        } else if matches!(self.peek(), Some(Tok::Min | Tok::Sec)) {
            return Err(ambiguous(text, "minutes or seconds without degrees", "有分或秒而没有度。"));
        }
        if !prefix_style {
            if let Some(Tok::Hemi(h)) = self.peek() {
                v.hemi = Some(*h);
                self.i += 1;
            }
        }
        if v.hemi.is_some() && v.negative {
            return Err(DmsError::SignAndHemisphere { text: text.to_string() });
        }
        Ok(Some(v))
    }
}

fn axis(h: char) -> &'static str {
    if matches!(h, 'N' | 'S') {
        "latitude"
    } else {
        "longitude"
    }
}

fn signed(v: &Value) -> f64 {
    if v.negative || matches!(v.hemi, Some('S' | 'W')) {
        -v.degrees
    } else {
        v.degrees
    }
}

/// Reads two coordinates (see the module documentation for the notations).
pub fn parse_pair(text: &str) -> Result<ParsedPair, DmsError> {
    let toks = tokenize(text)?;
    if toks.iter().all(|t| *t == Tok::Sep) {
        return Err(DmsError::Empty { text: text.to_string() });
    }
    let prefix_style = matches!(toks.first(), Some(Tok::Hemi(_)));
    let mut r = Reader { text, toks, i: 0 };
    if r.peek() == Some(&Tok::Sep) {
        return Err(DmsError::Unreadable { text: text.to_string(), found: "a separator before the first value".into() });
    }
    let Some(a) = r.value(prefix_style)? else {
        return Err(DmsError::Empty { text: text.to_string() });
    };
    if r.peek() == Some(&Tok::Sep) {
        r.i += 1;
    }
    let Some(b) = r.value(prefix_style)? else {
        return Err(DmsError::OneValue { text: text.to_string() });
    };
    if r.i < r.toks.len() {
        return Err(if r.toks[r.i..].iter().any(|t| matches!(t, Tok::Num { .. })) {
            ambiguous(text, "more than two values; to give degrees, minutes and seconds mark them with ° ′ ″", "数值多于两个；若为度分秒，请用 ° ′ ″ 标明。")
        } else {
            DmsError::Unreadable { text: text.to_string(), found: "text after the second value".into() }
        });
    }
    let lat_first = match (a.hemi, b.hemi) {
        (Some(h1), Some(h2)) if axis(h1) == axis(h2) => {
            return Err(DmsError::SameAxis { text: text.to_string(), axis: axis(h1), letters: format!("{h1}, {h2}") });
        }
        (Some(h1), _) => Some(axis(h1) == "latitude"),
        (None, Some(h2)) => Some(axis(h2) == "longitude"),
        (None, None) => None,
    };
    let notation = if a.marked || b.marked { Notation::Dms } else { Notation::Decimal };
    Ok(ParsedPair { first: signed(&a), second: signed(&b), lat_first, notation })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lon_lat(text: &str) -> (f64, f64) {
        parse_pair(text).unwrap_or_else(|e| panic!("{text}: {e}")).lon_lat()
    }

    fn close(a: (f64, f64), b: (f64, f64)) -> bool {
        (a.0 - b.0).abs() < 1e-9 && (a.1 - b.1).abs() < 1e-9
    }

    const LON: f64 = 113.0 + 30.0 / 60.0 + 15.2 / 3600.0;
    const LAT: f64 = 33.0 + 16.0 / 60.0 + 20.0 / 3600.0;

    #[test]
    fn decimal_pairs_with_space_comma_or_chinese_comma() {
        for t in ["113.504 33.272", "113.504,33.272", "113.504, 33.272", "113.504，33.272", "  113.504 ; 33.272 "] {
            assert!(close(lon_lat(t), (113.504, 33.272)), "{t}");
            assert_eq!(parse_pair(t).map(|p| p.notation), Ok(Notation::Decimal));
        }
    }

    #[test]
    fn decimal_with_signs() {
        assert!(close(lon_lat("-70.5 -33.25"), (-70.5, -33.25)));
        assert!(close(lon_lat("+113.5 +33.25"), (113.5, 33.25)));
    }

    #[test]
    fn dms_ascii_marks_with_suffix_letters_lon_first() {
        assert!(close(lon_lat(r#"113°30'15.2"E 33°16'20"N"#), (LON, LAT)));
    }

    #[test]
    fn dms_latitude_first_with_letters_is_reordered() {
        let p = parse_pair(r#"33°16'20"N 113°30'15.2"E"#).expect("parses");
        assert_eq!(p.lat_first, Some(true));
        assert!(close(p.lon_lat(), (LON, LAT)));
        assert_eq!((p.first, p.second), (LAT, LON), "the order written is kept in first/second");
    }

    #[test]
    fn dms_unicode_primes() {
        assert!(close(lon_lat("33°16′20″N 113°30′15.2″E"), (LON, LAT)));
        assert!(close(lon_lat("113°30’15.2”E, 33°16’20”N"), (LON, LAT)), "word-processor quotes");
        assert!(close(lon_lat("113°30'15.2''E 33°16'20''N"), (LON, LAT)), "two apostrophes for seconds");
    }

    #[test]
    fn hemisphere_letters_before_the_values() {
        assert!(close(lon_lat(r#"N33°16'20" E113°30'15.2""#), (LON, LAT)));
        assert!(close(lon_lat("E 113.504, N 33.272"), (113.504, 33.272)));
        assert!(close(lon_lat("s33.5 w70.25"), (-70.25, -33.5)), "lower case, southern and western");
    }

    #[test]
    fn chinese_degree_minute_second_marks() {
        assert!(close(lon_lat("113度30分15.2秒 33度16分20秒"), (LON, LAT)));
        assert!(close(lon_lat("113度30分 33度16分"), (113.5, 33.0 + 16.0 / 60.0)));
        assert!(close(lon_lat("北纬33度16分20秒，东经113度30分15.2秒"), (LON, LAT)));
        assert!(close(lon_lat("东经１１３度３０分１５．２秒　北纬３３度１６分２０秒"), (LON, LAT)), "full-width digits");
    }

    #[test]
    fn degrees_and_decimal_minutes() {
        assert!(close(lon_lat("113°30.25'E 33°16.5'N"), (113.0 + 30.25 / 60.0, 33.275)));
    }

    #[test]
    fn degrees_only_with_marks_and_letters() {
        let p = parse_pair("33.272°N 113.504°E").expect("parses");
        assert_eq!(p.notation, Notation::Dms);
        assert!(close(p.lon_lat(), (113.504, 33.272)));
    }

    #[test]
    fn one_letter_decides_both_axes() {
        assert!(close(lon_lat("33.272N 113.504"), (113.504, 33.272)));
        assert!(close(lon_lat("33.272 113.504E"), (113.504, 33.272)));
    }

    #[test]
    fn negative_degrees_apply_to_minutes_and_seconds() {
        assert!(close(lon_lat("-70°30'00\" -33°15'00\""), (-70.5, -33.25)));
    }

    #[test]
    fn minutes_of_60_or_more_are_refused() {
        let e = parse_pair(r#"113°60'15"E 33°16'20"N"#).expect_err("60 minutes");
        assert_eq!(e, DmsError::MinutesOutOfRange { value: 60.0, text: r#"113°60'15"E 33°16'20"N"#.into() });
        assert!(e.to_string().contains("minutes must be less than 60"), "{e}");
        assert!(e.message_zh().contains("分必须小于 60"), "{}", e.message_zh());
    }

    #[test]
    fn seconds_of_60_or_more_are_refused() {
        let e = parse_pair("113°30'15\"E 33°16'60.5\"N").expect_err("60.5 seconds");
        assert!(matches!(e, DmsError::SecondsOutOfRange { value, .. } if value == 60.5), "{e:?}");
        assert!(e.to_string().contains("seconds must be less than 60") && e.message_zh().contains("秒必须小于 60"));
    }

    #[test]
    fn unmarked_dms_is_ambiguous() {
        let e = parse_pair("113 30 15 33 16 20").expect_err("six bare numbers");
        assert!(matches!(e, DmsError::Ambiguous { .. }), "{e:?}");
        assert!(e.to_string().contains("more than two values"), "{e}");
        assert!(e.message_zh().contains("歧义"));
    }

    #[test]
    fn number_after_degrees_without_minute_mark_is_ambiguous() {
        let e = parse_pair("113°30 33°16").expect_err("no ′");
        assert!(e.to_string().contains("no ′ (minutes) mark"), "{e}");
    }

    #[test]
    fn minutes_without_degrees_are_ambiguous() {
        let e = parse_pair("30'15\" 33°16'").expect_err("no degrees");
        assert!(e.to_string().contains("without degrees"), "{e}");
    }

    #[test]
    fn fractional_degrees_followed_by_minutes_are_refused() {
        let e = parse_pair("113.5°30' 33°").expect_err("113.5°30′");
        assert!(e.to_string().contains("fractional"), "{e}");
    }

    #[test]
    fn two_latitudes_are_refused() {
        let e = parse_pair("33.2N 34.1N").expect_err("two latitudes");
        assert!(matches!(e, DmsError::SameAxis { axis: "latitude", .. }), "{e:?}");
        assert!(e.message_zh().contains("两个纬度"), "{}", e.message_zh());
    }

    #[test]
    fn sign_and_hemisphere_together_are_refused() {
        let e = parse_pair("-33.2S 113.5E").expect_err("sign and S");
        assert!(matches!(e, DmsError::SignAndHemisphere { .. }));
        assert!(e.to_string().contains("both a sign and a hemisphere letter"));
    }

    #[test]
    fn one_value_or_none_is_refused() {
        assert!(matches!(parse_pair("113.5"), Err(DmsError::OneValue { .. })));
        assert!(matches!(parse_pair("  "), Err(DmsError::Empty { .. })));
    }

    #[test]
    fn words_and_stray_characters_are_unreadable() {
        let e = parse_pair("lat 33.2 lon 113.5").expect_err("words");
        assert!(matches!(e, DmsError::Unreadable { .. }), "{e:?}");
        assert!(matches!(parse_pair("113.5 33.2 (approx)"), Err(DmsError::Unreadable { .. })));
        assert!(matches!(parse_pair("1.2.3 33"), Err(DmsError::Unreadable { .. })));
    }

    #[test]
    fn mixed_letter_positions_are_ambiguous() {
        // Suffix style (the text starts with a number), then a letter before the second value's number.
        let e = parse_pair("33.2N E113.5").expect_err("mixed");
        assert!(matches!(e, DmsError::Ambiguous { .. }), "{e:?}");
    }
}
