//! Map label glyphs: the SDF glyph PBFs a MapLibre style's `glyphs` URL serves, made on demand from one
//! TrueType/OpenType font on the server, 256 code points (one range) at a time, and kept in memory. `api::fonts`
//! serves them over HTTP.
//!
//! A range is the Mapbox/MapLibre glyph PBF (`llmr.glyphs`, the message types of the `pbf_font_tools` crate): one
//! fontstack holding a glyph for every code point of the range the font maps, each a signed distance field of the
//! glyph rendered by FreeType at 24 px with a 3 px border, distances recorded out to 8 px and a 0.25 cutoff — the
//! conventions of node-fontnik and `pbf_font_tools`, which MapLibre's text shaping assumes.
//!
//! Ranges are 0–255 … 65280–65535 (the Basic Multilingual Plane, all MapLibre asks for), so the cache is one slot per
//! range: at most 256 entries, filled once and never evicted. Every range of WenQuanYi Micro Hei together is about
//! 27 MB of PBF (a CJK range is about 210 KB, 70 KB gzipped on the wire), so the bound is the font itself.

use freetype::face::LoadFlag;
use pbf_font_tools::prost::Message;
use pbf_font_tools::{Fontstack, Glyph, Glyphs};
use sdf_glyph_renderer::{clamp_to_u8, BitmapGlyph};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// Where Debian's `fonts-wqy-microhei` puts WenQuanYi Micro Hei (Latin and CJK in one font).
pub const DEFAULT_FONT: &str = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc";
/// The Debian package that provides [`DEFAULT_FONT`].
pub const DEFAULT_FONT_PACKAGE: &str = "fonts-wqy-microhei";

/// Glyph size in pixels, SDF border and radius, and the share of the byte range used for the inside of a glyph.
const SIZE_PX: isize = 24;
const BORDER: usize = 3;
const RADIUS: usize = 8;
const CUTOFF: f64 = 0.25;
/// Code points per range, and ranges in the Basic Multilingual Plane.
pub const RANGE_SIZE: u32 = 256;
const RANGES: usize = 256;

/// One glyph range, `start`–`start + 255`, `start` a multiple of 256 below 65536.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GlyphRange {
    start: u32,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RangeError {
    #[error("{0:?} is not a glyph range: ranges are START-END, e.g. 0-255 or 19968-20223")]
    Malformed(String),
    #[error("{start}-{end} is not a glyph range: a range starts at a multiple of 256 and ends 255 later, e.g. 0-255 or 19968-20223")]
    Unaligned { start: u32, end: u32 },
    #[error("{start}-{end} is beyond the glyph ranges, 0-255 to 65280-65535 (code points up to 65535)")]
    OutOfRange { start: u32, end: u32 },
}

impl RangeError {
    pub fn message_zh(&self) -> String {
        match self {
            RangeError::Malformed(s) => format!("{s} 不是有效的字形范围：格式为 起点-终点，例如 0-255、19968-20223。"),
            RangeError::Unaligned { start, end } => {
                format!("{start}-{end} 不是有效的字形范围：起点须为 256 的倍数，终点为起点加 255，例如 0-255、19968-20223。")
            }
            RangeError::OutOfRange { start, end } => format!("{start}-{end} 超出字形范围：范围为 0-255 至 65280-65535（码位不超过 65535）。"),
        }
    }
}

impl GlyphRange {
    /// Parses `START-END` (`0-255`, `19968-20223`).
    pub fn parse(s: &str) -> Result<GlyphRange, RangeError> {
        let malformed = || RangeError::Malformed(s.to_string());
        let (a, b) = s.split_once('-').ok_or_else(malformed)?;
        let digits = |t: &str| !t.is_empty() && t.len() <= 10 && t.bytes().all(|c| c.is_ascii_digit());
        if !digits(a) || !digits(b) {
            return Err(malformed());
        }
        let (start, end) = (a.parse::<u32>().map_err(|_| malformed())?, b.parse::<u32>().map_err(|_| malformed())?);
        if start % RANGE_SIZE != 0 || end.checked_sub(start) != Some(RANGE_SIZE - 1) {
            return Err(RangeError::Unaligned { start, end });
        }
        if end > 0xFFFF {
            return Err(RangeError::OutOfRange { start, end });
        }
        Ok(GlyphRange { start })
    }

    /// The range holding a code point of the Basic Multilingual Plane.
    pub fn of(code_point: u32) -> Option<GlyphRange> {
        (code_point <= 0xFFFF).then_some(GlyphRange { start: code_point - code_point % RANGE_SIZE })
    }

    pub fn start(self) -> u32 {
        self.start
    }

    pub fn end(self) -> u32 {
        self.start + RANGE_SIZE - 1
    }

    fn index(self) -> usize {
        (self.start / RANGE_SIZE) as usize
    }
}

impl std::fmt::Display for GlyphRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", self.start, self.end())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FontError {
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path} is not a font FreeType can read: {source}")]
    Open { path: PathBuf, source: freetype::Error },
    #[error("{path} has no family name")]
    NoFamily { path: PathBuf },
    #[error("{path} has no outlines (a bitmap-only font cannot be turned into SDF glyphs)")]
    NotScalable { path: PathBuf },
    #[error("FreeType failed on U+{code_point:04X}: {source}")]
    Render { code_point: u32, source: freetype::Error },
    #[error("SDF of U+{code_point:04X}: {source}")]
    Sdf { code_point: u32, source: sdf_glyph_renderer::SdfGlyphError },
}

/// A font read into memory, served as one fontstack named by its family, with the ranges made so far.
pub struct Font {
    path: PathBuf,
    family: String,
    /// `family style`, e.g. `WenQuanYi Micro Hei Regular` (the name `pbf_font_tools` gives a face), also accepted.
    full_name: String,
    data: Vec<u8>,
    ranges: Vec<OnceLock<Arc<[u8]>>>,
}

impl std::fmt::Debug for Font {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Font").field("path", &self.path).field("family", &self.family).finish_non_exhaustive()
    }
}

impl Font {
    /// Reads a font file (the first face of a collection such as a `.ttc`) and checks that glyphs can be made from it.
    pub fn load(path: &Path) -> Result<Font, FontError> {
        let data = std::fs::read(path).map_err(|source| FontError::Read { path: path.to_path_buf(), source })?;
        let open = |source| FontError::Open { path: path.to_path_buf(), source };
        let lib = freetype::Library::init().map_err(open)?;
        let face = lib.new_memory_face2(&data[..], 0).map_err(open)?;
        if !face.is_scalable() {
            return Err(FontError::NotScalable { path: path.to_path_buf() });
        }
        let family = face.family_name().filter(|f| !f.trim().is_empty()).ok_or_else(|| FontError::NoFamily { path: path.to_path_buf() })?;
        let full_name = match face.style_name() {
            Some(style) if !style.is_empty() => format!("{family} {style}"),
            _ => family.clone(),
        };
        drop(face);
        Ok(Font { path: path.to_path_buf(), family, full_name, data, ranges: (0..RANGES).map(|_| OnceLock::new()).collect() })
    }

    /// The fontstack name this font is served as: its family name, e.g. `WenQuanYi Micro Hei`.
    pub fn name(&self) -> &str {
        &self.family
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether a requested fontstack is this font. MapLibre asks for a style's `text-font` list joined with commas;
    /// this font answers when it is any member of the list (by family, or by family and style).
    pub fn serves(&self, fontstack: &str) -> bool {
        fontstack.split(',').map(str::trim).any(|f| f == self.family || f == self.full_name)
    }

    /// The range's glyph PBF if it was made already.
    pub fn cached(&self, range: GlyphRange) -> Option<Arc<[u8]>> {
        self.ranges[range.index()].get().cloned()
    }

    /// How many ranges are in the cache.
    pub fn cached_ranges(&self) -> usize {
        self.ranges.iter().filter(|r| r.get().is_some()).count()
    }

    /// The range's glyph PBF, made on first use (CPU work: call it off the async workers). Two callers racing for the
    /// same new range may both make it; the first result is kept.
    pub fn range_pbf(&self, range: GlyphRange) -> Result<Arc<[u8]>, FontError> {
        if let Some(b) = self.cached(range) {
            return Ok(b);
        }
        let glyphs = Glyphs { stacks: vec![self.fontstack(range)?] };
        let bytes: Arc<[u8]> = glyphs.encode_to_vec().into();
        Ok(self.ranges[range.index()].get_or_init(|| bytes).clone())
    }

    /// Renders every code point of the range the font maps (the rest are simply absent, as MapLibre expects).
    fn fontstack(&self, range: GlyphRange) -> Result<Fontstack, FontError> {
        let open = |source| FontError::Open { path: self.path.clone(), source };
        let lib = freetype::Library::init().map_err(open)?;
        let face = lib.new_memory_face2(&self.data[..], 0).map_err(open)?;
        // 24 px at FreeType's default 72 dpi (char size in 26.6 fixed point; width 0 = same as height).
        face.set_char_size(0, SIZE_PX << 6, 0, 0).map_err(open)?;
        let ascender = face.size_metrics().map_or(0, |m| (m.ascender >> 6) as i32);
        let mut glyphs = Vec::new();
        for code_point in range.start()..=range.end() {
            let Some(index) = face.get_char_index(code_point as usize) else { continue };
            let render = |source| FontError::Render { code_point, source };
            face.load_glyph(index, LoadFlag::NO_HINTING | LoadFlag::RENDER).map_err(render)?;
            let slot = face.glyph();
            let bitmap = slot.bitmap();
            let (width, rows) = (bitmap.width().max(0) as usize, bitmap.rows().max(0) as usize);
            let alpha = rows_of(bitmap.buffer(), width, rows, bitmap.pitch());
            let sdf_err = |source| FontError::Sdf { code_point, source };
            let sdf = BitmapGlyph::from_unbuffered(&alpha, width, rows, BORDER).map_err(sdf_err)?.render_sdf(RADIUS);
            glyphs.push(Glyph {
                id: code_point,
                bitmap: Some(clamp_to_u8(&sdf, CUTOFF).map_err(sdf_err)?),
                width: width as u32,
                height: rows as u32,
                left: slot.bitmap_left(),
                top: slot.bitmap_top() - ascender,
                advance: (slot.metrics().horiAdvance >> 6).max(0) as u32,
            });
        }
        Ok(Fontstack { name: self.family.clone(), range: range.to_string(), glyphs })
    }
}

/// An 8-bit FreeType bitmap as `width × rows` bytes, whatever its pitch (row stride, negative when bottom-up).
fn rows_of(buffer: &[u8], width: usize, rows: usize, pitch: i32) -> Vec<u8> {
    let stride = pitch.unsigned_abs() as usize;
    if (pitch >= 0 && stride == width) || rows == 0 {
        return buffer.get(..width * rows).map_or_else(|| vec![0; width * rows], <[u8]>::to_vec);
    }
    let mut out = Vec::with_capacity(width * rows);
    for r in 0..rows {
        let row = if pitch < 0 { rows - 1 - r } else { r };
        match buffer.get(row * stride..row * stride + width) {
            Some(bytes) => out.extend_from_slice(bytes),
            None => out.resize(out.len() + width, 0),
        }
    }
    out
}

/// The service's label font: loaded, or why not (the service runs without labels then).
#[derive(Debug)]
pub enum LabelFont {
    Ready(Font),
    Unavailable { path: PathBuf, reason: String },
}

impl LabelFont {
    /// Loads the font at `path`; a missing or unusable file makes the labels unavailable, never the service.
    pub fn load(path: &Path) -> LabelFont {
        match Font::load(path) {
            Ok(font) => LabelFont::Ready(font),
            Err(FontError::Read { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
                LabelFont::Unavailable { path: path.to_path_buf(), reason: format!("{} does not exist", path.display()) }
            }
            Err(e) => LabelFont::Unavailable { path: path.to_path_buf(), reason: e.to_string() },
        }
    }

    /// The font file, loaded or not (the printable reports are set in the same font).
    pub fn path(&self) -> &Path {
        match self {
            LabelFont::Ready(font) => font.path(),
            LabelFont::Unavailable { path, .. } => path,
        }
    }

    pub fn font(&self) -> Option<&Font> {
        match self {
            LabelFont::Ready(f) => Some(f),
            LabelFont::Unavailable { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_parse_and_must_be_aligned() {
        assert_eq!(GlyphRange::parse("0-255").unwrap().to_string(), "0-255");
        assert_eq!(GlyphRange::parse("33280-33535").unwrap(), GlyphRange::of(0x821E).unwrap());
        assert_eq!(GlyphRange::parse("65280-65535").unwrap().end(), 65535);
        for bad in ["", "0", "0-", "-255", "a-b", "0-255-511", "+0-255", "0 -255", "0-2550000000000", "0x0-255"] {
            assert!(matches!(GlyphRange::parse(bad), Err(RangeError::Malformed(_))), "{bad:?}");
        }
        for bad in ["1-256", "0-256", "256-255", "0-511", "255-0"] {
            assert!(matches!(GlyphRange::parse(bad), Err(RangeError::Unaligned { .. })), "{bad:?}");
        }
        assert!(matches!(GlyphRange::parse("65536-65791"), Err(RangeError::OutOfRange { .. })));
        assert_eq!(GlyphRange::of(0x10000), None);
    }

    #[test]
    fn bitmap_rows_follow_the_pitch() {
        assert_eq!(rows_of(&[1, 2, 3, 4], 2, 2, 2), [1, 2, 3, 4]);
        assert_eq!(rows_of(&[1, 2, 0, 0, 3, 4, 0, 0], 2, 2, 4), [1, 2, 3, 4]);
        assert_eq!(rows_of(&[3, 4, 0, 1, 2, 0], 2, 2, -3), [1, 2, 3, 4]);
        assert!(rows_of(&[], 0, 0, 0).is_empty());
    }

    #[test]
    fn a_missing_font_makes_labels_unavailable() {
        match LabelFont::load(Path::new("/nonexistent/font.ttf")) {
            LabelFont::Unavailable { reason, .. } => assert!(reason.contains("does not exist"), "{reason}"),
            LabelFont::Ready(_) => panic!("no font there"),
        }
        let not_a_font = std::env::current_exe().unwrap();
        assert!(LabelFont::load(&not_a_font).font().is_none());
    }
}
