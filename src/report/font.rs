//! The one font a printable report is set in: the CJK font the server already makes its map labels from
//! (WenQuanYi Micro Hei by default, [`crate::glyphs::DEFAULT_FONT`]). The figure's SVG is rendered with a font
//! database holding only this font (no system font scan, so a report looks the same on every machine), and the PDF
//! embeds a subset of it (krilla), so Chinese shows in any PDF viewer.

use resvg::usvg::fontdb;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum FontError {
    #[error("cannot read the report font {path}: {source} (install Debian's {package} or pass --font)")]
    Unreadable { path: PathBuf, source: std::io::Error, package: &'static str },
    #[error("{path} is not a TrueType/OpenType font (or collection) that can be read")]
    NotAFont { path: PathBuf },
}

/// The font's bytes, loaded once and shared by the figure renderer, the PDF writer and the line breaker.
#[derive(Clone)]
pub struct ReportFont {
    data: Arc<Vec<u8>>,
    /// Face in a collection (.ttc): 0 is WenQuanYi Micro Hei, 1 its monospaced twin.
    index: u32,
    family: String,
    path: PathBuf,
    fontdb: Arc<fontdb::Database>,
}

impl std::fmt::Debug for ReportFont {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReportFont").field("path", &self.path).field("family", &self.family).finish()
    }
}

impl ReportFont {
    /// Loads face 0 of the font file.
    pub fn load(path: &Path) -> Result<ReportFont, FontError> {
        let bytes = std::fs::read(path).map_err(|source| FontError::Unreadable {
            path: path.to_path_buf(),
            source,
            package: crate::glyphs::DEFAULT_FONT_PACKAGE,
        })?;
        let not_a_font = || FontError::NotAFont { path: path.to_path_buf() };
        let index = 0;
        skrifa::FontRef::from_index(&bytes, index).map_err(|_| not_a_font())?;
        let data = Arc::new(bytes);
        let mut db = fontdb::Database::new();
        let shared: Arc<dyn AsRef<[u8]> + Send + Sync> = data.clone();
        db.load_font_source(fontdb::Source::Binary(shared));
        let family = db
            .faces()
            .find(|f| f.index == index)
            .and_then(|f| f.families.first().map(|(name, _)| name.clone()))
            .ok_or_else(not_a_font)?;
        // Whatever family the SVG names, text falls back to this one.
        db.set_sans_serif_family(family.clone());
        Ok(ReportFont { data, index, family, path: path.to_path_buf(), fontdb: Arc::new(db) })
    }

    pub fn family(&self) -> &str {
        &self.family
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn fontdb(&self) -> Arc<fontdb::Database> {
        Arc::clone(&self.fontdb)
    }

    /// The font for krilla (the PDF writer), which subsets it on output.
    pub fn krilla(&self) -> Option<krilla::text::Font> {
        krilla::text::Font::new(krilla::Data::from(Arc::clone(&self.data)), self.index)
    }

    /// A measurer of text widths, for line breaking.
    pub fn measurer(&self) -> Measurer<'_> {
        Measurer { font: skrifa::FontRef::from_index(&self.data, self.index).ok(), cache: HashMap::new() }
    }
}

/// Advance widths of characters in em (font units / units per em), cached per character.
pub struct Measurer<'a> {
    font: Option<skrifa::FontRef<'a>>,
    cache: HashMap<char, f32>,
}

impl Measurer<'_> {
    /// Advance of one character in em; a character the font lacks measures as its `.notdef` glyph (what krilla draws).
    pub fn advance(&mut self, c: char) -> f32 {
        if let Some(a) = self.cache.get(&c) {
            return *a;
        }
        use skrifa::MetadataProvider;
        let a = self
            .font
            .as_ref()
            .map(|f| {
                let size = skrifa::instance::Size::unscaled();
                let loc = skrifa::instance::LocationRef::default();
                let upem = f.metrics(size, loc).units_per_em.max(1) as f32;
                let gid = f.charmap().map(c).unwrap_or_default();
                f.glyph_metrics(size, loc).advance_width(gid).unwrap_or(upem / 2.0) / upem
            })
            .unwrap_or(if c.is_ascii() { 0.55 } else { 1.0 });
        self.cache.insert(c, a);
        a
    }

    /// Width of `text` at `size` points.
    pub fn width(&mut self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.advance(c)).sum::<f32>() * size
    }
}
