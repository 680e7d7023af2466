//! The report as PDF (A4), written in Rust with krilla: the report font embedded as a subset (so Chinese shows and
//! copies as text in any viewer), the map figure drawn as vectors from the same SVG, and a small layout of our own
//! over the report's blocks.
//!
//! Layout: paragraphs are broken by glyph advances — CJK text may break between any two characters (not before
//! closing punctuation), Latin text at spaces, an over-long word anywhere; tables wrap their cells and repeat the
//! header row on a new page; headings stay with what follows. The document is laid out first into pages of drawing
//! operations, then drawn, so every page's footer can say "page n of N".

use super::content::{blocks, Block};
use super::figure::{Figure, HEIGHT as FIG_H, WIDTH as FIG_W};
use super::font::{Measurer, ReportFont};
use super::{Lang, ReportError, ReportInput};
use crate::assess::Verdict;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect, Size, Transform};
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, FillRule, Stroke};
use krilla::text::TextDirection;
use krilla::Document;
use krilla_svg::{SurfaceExt, SvgSettings};

const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const LEFT: f32 = 48.0;
const RIGHT: f32 = PAGE_W - 48.0;
const TOP: f32 = 58.0;
const BOTTOM: f32 = PAGE_H - 56.0;
const CONTENT_W: f32 = RIGHT - LEFT;
const BODY: f32 = 9.5;
const LINE: f32 = 1.5;
const PAD: f32 = 3.5;

type Rgb = (u8, u8, u8);
const INK: Rgb = (0x1d, 0x1d, 0x1f);
const MUTED: Rgb = (0x5f, 0x63, 0x68);
const RULE: Rgb = (0xc4, 0xc8, 0xcd);
const HEAD_BG: Rgb = (0xf0, 0xf2, 0xf4);

/// One drawing operation, in page coordinates (points, y down from the top).
enum Op {
    Text { x: f32, y: f32, size: f32, colour: Rgb, text: String },
    Rect { x: f32, y: f32, w: f32, h: f32, fill: Option<Rgb>, stroke: Option<(Rgb, f32)> },
    Line { x1: f32, y1: f32, x2: f32, y2: f32, colour: Rgb, width: f32 },
    Figure { x: f32, y: f32, w: f32, h: f32 },
}

struct Layout<'f> {
    pages: Vec<Vec<Op>>,
    y: f32,
    m: Measurer<'f>,
}

/// Characters a line must not start with (closing punctuation, CJK and Latin).
fn no_break_before(c: char) -> bool {
    "，。、；：？！）」』》〉】…,.;:?!)]}%".contains(c)
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x2E80..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF | 0xFF00..=0xFFEF)
}

impl<'f> Layout<'f> {
    fn new(m: Measurer<'f>) -> Self {
        Layout { pages: vec![Vec::new()], y: TOP, m }
    }

    fn page(&mut self) -> &mut Vec<Op> {
        if self.pages.is_empty() {
            self.pages.push(Vec::new());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = TOP;
    }

    /// Starts a new page unless `h` more points fit on this one (a block taller than a page starts at the top).
    fn ensure(&mut self, h: f32) {
        if self.y + h > BOTTOM && self.y > TOP {
            self.new_page();
        }
    }

    /// Breaks `text` into lines no wider than `width` at `size`.
    fn wrap(&mut self, text: &str, size: f32, width: f32) -> Vec<String> {
        let mut lines = Vec::new();
        for para in text.split('\n') {
            let mut line = String::new();
            let mut w = 0.0f32;
            // Byte offset in `line` where it may break, and the width before it.
            let mut brk: Option<usize> = None;
            for c in para.chars() {
                let cw = self.m.advance(c) * size;
                if !line.is_empty() && (is_cjk(c) || line.chars().last().is_some_and(is_cjk)) && !no_break_before(c) && c != ' ' {
                    brk = Some(line.len());
                }
                if w + cw > width && !line.is_empty() {
                    if c == ' ' {
                        lines.push(line.trim_end().to_string());
                        line.clear();
                        w = 0.0;
                        brk = None;
                        continue;
                    }
                    match brk.filter(|b| *b > 0) {
                        Some(b) => {
                            let rest = line.split_off(b);
                            lines.push(line.trim_end().to_string());
                            line = rest.trim_start().to_string();
                        }
                        None => lines.push(std::mem::take(&mut line)),
                    }
                    w = self.m.width(&line, size);
                    brk = None;
                }
                if line.is_empty() && c == ' ' {
                    continue;
                }
                line.push(c);
                w += cw;
                if c == ' ' {
                    brk = Some(line.len());
                }
            }
            lines.push(line.trim_end().to_string());
        }
        lines
    }

    fn text_lines(&mut self, lines: &[String], x: f32, size: f32, colour: Rgb) {
        for l in lines {
            self.ensure(size * LINE);
            let y = self.y + size;
            self.page().push(Op::Text { x, y, size, colour, text: l.clone() });
            self.y += size * LINE;
        }
    }

    fn para(&mut self, text: &str, x: f32, width: f32, size: f32, colour: Rgb) {
        let lines = self.wrap(text, size, width);
        self.text_lines(&lines, x, size, colour);
    }

    /// A table row: cells wrapped in their columns, bordered; returns false if nothing was drawn.
    fn row(&mut self, cells: &[String], widths: &[f32], size: f32, fill: Option<Rgb>, header: Option<(&[String], &[f32])>) {
        let wrapped: Vec<Vec<String>> =
            cells.iter().zip(widths).map(|(c, w)| self.wrap(c, size, w - 2.0 * PAD)).collect();
        let lines = wrapped.iter().map(Vec::len).max().unwrap_or(1).max(1);
        let h = lines as f32 * size * LINE + 2.0 * PAD;
        if self.y + h > BOTTOM && self.y > TOP {
            self.new_page();
            if let Some((hc, hw)) = header {
                self.row(hc, hw, size, Some(HEAD_BG), None);
            }
        }
        let top = self.y;
        let mut x = LEFT;
        for (cell, w) in wrapped.iter().zip(widths) {
            self.page().push(Op::Rect { x, y: top, w: *w, h, fill, stroke: Some((RULE, 0.6)) });
            for (i, l) in cell.iter().enumerate() {
                let y = top + PAD + size + i as f32 * size * LINE;
                self.page().push(Op::Text { x: x + PAD, y, size, colour: INK, text: l.clone() });
            }
            x += w;
        }
        self.y = top + h;
    }

    fn block(&mut self, b: &Block) {
        match b {
            Block::Title { title, subtitle } => {
                self.para(title, LEFT, CONTENT_W, 17.0, INK);
                self.y += 2.0;
                self.para(subtitle, LEFT, CONTENT_W, 9.0, MUTED);
                self.y += 6.0;
            }
            Block::Notice(text) => {
                let size = 10.0;
                let lines = self.wrap(text, size, CONTENT_W - 16.0);
                let h = lines.len() as f32 * size * LINE + 12.0;
                self.ensure(h);
                let top = self.y + 4.0;
                self.page().push(Op::Rect { x: LEFT, y: top, w: CONTENT_W, h, fill: Some((0xfd, 0xec, 0xea)), stroke: Some(((0xb3, 0x26, 0x1e), 1.5)) });
                self.y = top + 6.0;
                self.text_lines(&lines, LEFT + 8.0, size, (0x7f, 0x1d, 0x1d));
                self.y = top + h + 6.0;
            }
            Block::Verdict { verdict, label, summary } => {
                let colour = verdict_colour(*verdict);
                let (big, size) = (20.0, 10.0);
                let lines = self.wrap(summary, size, CONTENT_W - 22.0);
                let h = big * 1.4 + lines.len() as f32 * size * LINE + 14.0;
                self.ensure(h);
                let top = self.y;
                self.page().push(Op::Rect { x: LEFT, y: top, w: CONTENT_W, h, fill: Some((0xf6, 0xf7, 0xf9)), stroke: None });
                self.page().push(Op::Rect { x: LEFT, y: top, w: 6.0, h, fill: Some(colour), stroke: None });
                self.page().push(Op::Text { x: LEFT + 16.0, y: top + 6.0 + big, size: big, colour, text: label.clone() });
                self.y = top + 8.0 + big * 1.4;
                self.text_lines(&lines, LEFT + 16.0, size, INK);
                self.y = top + h + 4.0;
            }
            Block::Heading(t) => {
                // Keep a heading with at least a few lines of what follows.
                self.ensure(13.0 * LINE + 14.0 + 4.0 * BODY * LINE);
                self.y += 10.0;
                self.para(t, LEFT, CONTENT_W, 13.0, INK);
                let y = self.y;
                self.page().push(Op::Line { x1: LEFT, y1: y, x2: RIGHT, y2: y, colour: INK, width: 1.2 });
                self.y += 5.0;
            }
            Block::Subheading(t) => {
                self.ensure(11.0 * LINE + 3.0 * BODY * LINE);
                self.y += 4.0;
                self.para(t, LEFT, CONTENT_W, 10.5, INK);
                self.y += 1.0;
            }
            Block::Para(t) => {
                self.para(t, LEFT, CONTENT_W, BODY, INK);
                self.y += 3.0;
            }
            Block::Quote(t) => {
                let lines = self.wrap(t, BODY, CONTENT_W - 14.0);
                let start_page = self.pages.len();
                let top = self.y;
                self.text_lines(&lines, LEFT + 10.0, BODY, (0x33, 0x33, 0x33));
                if self.pages.len() == start_page {
                    let y = self.y;
                    self.page().push(Op::Line { x1: LEFT + 3.0, y1: top + 1.0, x2: LEFT + 3.0, y2: y, colour: RULE, width: 2.0 });
                }
                self.y += 4.0;
            }
            Block::Fields(fields) => {
                let widths = [CONTENT_W * 0.3, CONTENT_W * 0.7];
                for (k, v) in fields {
                    self.row(&[k.clone(), v.clone()], &widths, BODY, None, None);
                }
                self.y += 6.0;
            }
            Block::Table { columns, rows } => {
                let total: f32 = columns.iter().map(|(_, w)| *w).sum::<f32>().max(0.01);
                let widths: Vec<f32> = columns.iter().map(|(_, w)| CONTENT_W * w / total).collect();
                let head: Vec<String> = columns.iter().map(|(c, _)| c.clone()).collect();
                self.ensure(3.0 * BODY * LINE + 4.0 * PAD);
                self.row(&head, &widths, BODY, Some(HEAD_BG), None);
                for r in rows {
                    self.row(r, &widths, BODY, None, Some((&head, &widths)));
                }
                self.y += 6.0;
            }
            Block::Bullets(items) => {
                for i in items {
                    let lines = self.wrap(i, BODY, CONTENT_W - 12.0);
                    if let Some(first) = lines.first() {
                        self.ensure(BODY * LINE);
                        let y = self.y + BODY;
                        self.page().push(Op::Text { x: LEFT + 2.0, y, size: BODY, colour: INK, text: "•".into() });
                        let _ = first;
                    }
                    self.text_lines(&lines, LEFT + 12.0, BODY, INK);
                }
                self.y += 3.0;
            }
            Block::Figure { caption } => {
                let w = CONTENT_W;
                let h = w * (FIG_H / FIG_W) as f32;
                let cap = self.wrap(caption, 8.5, CONTENT_W);
                self.ensure(h + 6.0 + cap.len() as f32 * 8.5 * LINE);
                let top = self.y + 2.0;
                self.page().push(Op::Figure { x: LEFT, y: top, w, h });
                self.y = top + h + 4.0;
                self.text_lines(&cap, LEFT, 8.5, MUTED);
                self.y += 6.0;
            }
        }
    }
}

fn verdict_colour(v: Verdict) -> Rgb {
    match v {
        Verdict::Prohibited => (0xb3, 0x26, 0x1e),
        Verdict::Restricted => (0xb2, 0x6a, 0x00),
        Verdict::Permitted => (0x1e, 0x7a, 0x3c),
        Verdict::Undetermined => (0x44, 0x54, 0x6a),
    }
}

fn fill(c: Rgb) -> Fill {
    Fill { paint: rgb::Color::new(c.0, c.1, c.2).into(), opacity: NormalizedF32::ONE, rule: FillRule::NonZero }
}

/// The PDF of the report.
pub fn render(input: &ReportInput, figure: &Figure, lang: Lang, font: &ReportFont) -> Result<Vec<u8>, ReportError> {
    let kfont = font.krilla().ok_or_else(|| ReportError::Pdf(format!("krilla cannot read the font {}", font.path().display())))?;
    let tree = figure.tree(font)?;

    let mut layout = Layout::new(font.measurer());
    for b in blocks(input, &figure.caption, lang) {
        layout.block(&b);
    }
    let pages = layout.pages;
    let total = pages.len();

    let mut doc = Document::new();
    let title = super::content::title(lang);
    doc.set_metadata(
        krilla::metadata::Metadata::new()
            .title(format!("{title} · {}", input.meta.id))
            .language(lang.tag().to_string())
            .creator(input.doc.engine.clone()),
    );
    let size = Size::from_wh(PAGE_W, PAGE_H).ok_or_else(|| ReportError::Pdf("page size".into()))?;
    for (n, ops) in pages.into_iter().enumerate() {
        let mut page = doc.start_page_with(PageSettings::new(size));
        let mut s = page.surface();
        let text = |s: &mut krilla::surface::Surface<'_>, x: f32, y: f32, size: f32, colour: Rgb, t: &str| {
            s.set_fill(Some(fill(colour)));
            s.draw_text(Point::from_xy(x, y), kfont.clone(), size, t, false, TextDirection::Auto);
        };
        // Running header and footer: the report id on every page, "page n of N".
        let header = format!("{} {}", lang.pick("报告编号", "Report id"), input.meta.id);
        text(&mut s, LEFT, 34.0, 8.0, MUTED, &header);
        let footer = match lang {
            Lang::Zh => format!("第 {} 页 / 共 {} 页", n + 1, total),
            Lang::En => format!("Page {} of {}", n + 1, total),
        };
        let mut m = font.measurer();
        let fw = m.width(&footer, 8.0);
        text(&mut s, RIGHT - fw, PAGE_H - 30.0, 8.0, MUTED, &footer);
        if input.doc.dataset.illustrative {
            text(&mut s, LEFT, PAGE_H - 30.0, 8.0, (0xb3, 0x26, 0x1e), lang.pick("示例数据，非官方边界", "Illustrative data, not official boundaries"));
        }
        for op in ops {
            match op {
                Op::Text { x, y, size, colour, text: t } => text(&mut s, x, y, size, colour, &t),
                Op::Rect { x, y, w, h, fill: f, stroke } => {
                    let mut pb = PathBuilder::new();
                    if let Some(r) = Rect::from_xywh(x, y, w, h) {
                        pb.push_rect(r);
                    }
                    if let Some(path) = pb.finish() {
                        s.set_fill(f.map(fill));
                        s.set_stroke(stroke.map(|(c, width)| Stroke { paint: rgb::Color::new(c.0, c.1, c.2).into(), width, ..Default::default() }));
                        s.draw_path(&path);
                        s.set_stroke(None);
                    }
                }
                Op::Line { x1, y1, x2, y2, colour, width } => {
                    let mut pb = PathBuilder::new();
                    pb.move_to(x1, y1);
                    pb.line_to(x2, y2);
                    if let Some(path) = pb.finish() {
                        s.set_fill(None);
                        s.set_stroke(Some(Stroke { paint: rgb::Color::new(colour.0, colour.1, colour.2).into(), width, ..Default::default() }));
                        s.draw_path(&path);
                        s.set_stroke(None);
                    }
                }
                Op::Figure { x, y, w, h } => {
                    if let Some(fs) = Size::from_wh(w, h) {
                        s.push_transform(&Transform::from_translate(x, y));
                        s.draw_svg(&tree, fs, SvgSettings::default());
                        s.pop();
                    }
                }
            }
        }
        s.finish();
        page.finish();
    }
    doc.finish().map_err(|e| ReportError::Pdf(format!("{e:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout() -> Option<(ReportFont,)> {
        ReportFont::load(std::path::Path::new(crate::glyphs::DEFAULT_FONT)).ok().map(|f| (f,))
    }

    #[test]
    fn chinese_breaks_between_characters_latin_at_spaces() {
        let Some((font,)) = layout() else { return };
        let mut l = Layout::new(font.measurer());
        let lines = l.wrap("饮用水水源二级保护区内禁止新建、改建、扩建排放污染物的建设项目", 10.0, 100.0);
        assert!(lines.len() > 1, "{lines:?}");
        assert!(lines.iter().all(|x| l.m.width(x, 10.0) <= 100.0 + 0.01), "{lines:?}");
        assert!(lines.iter().skip(1).all(|x| !x.starts_with('，') && !x.starts_with('、')), "{lines:?}");
        let en = l.wrap("The site lies outside the loaded data's coverage", 10.0, 120.0);
        assert!(en.iter().all(|x| !x.starts_with(' ') && !x.ends_with(' ')), "{en:?}");
        assert_eq!(en.join(" "), "The site lies outside the loaded data's coverage");
    }
}
