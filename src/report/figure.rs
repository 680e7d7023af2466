//! The report's map figure: the site over the zones around it, as SVG built here, with a legend of the zone kinds
//! present, a scale bar of a round length and a north arrow. The HTML report inlines the SVG, the PDF draws it as
//! vectors, and [`Figure::png`] rasterises it with resvg.
//!
//! Projection: a local equirectangular frame at the site (metres east/north scaled by the ellipsoid's radii of
//! curvature, [`LocalFrame`]), so lengths read off the scale bar are right in every direction at report scales.
//! The extent is the site grown by the nearby-search radius (the zones listed as nearby are then on the map),
//! widened to the figure's aspect ratio. Zone shapes come from the loaded dataset, clipped to the extent.

use super::html::escape;
use super::style::{zone_paint, ZonePaint};
use super::{Lang, ReportError, ReportInput};
use crate::assess::Engine;
use crate::index::{LocalFrame, Site};
use crate::zone::ZoneKind;
use geo::{BooleanOps, Coord, InteriorPoint, LineString, MultiPolygon, Point, Polygon, Rect};
use resvg::{tiny_skia, usvg};
use std::collections::BTreeSet;
use std::fmt::Write;

/// Figure size in SVG user units (CSS pixels); the PNG is rendered at twice this.
pub const WIDTH: f64 = 800.0;
pub const HEIGHT: f64 = 560.0;
const PNG_SCALE: f32 = 2.0;
/// Fonts the SVG asks for: the report font first (the renderer has only it), then what browsers showing the HTML
/// report may have.
const FONT_FAMILY: &str = "'WenQuanYi Micro Hei', 'Noto Sans CJK SC', 'Microsoft YaHei', 'PingFang SC', sans-serif";

pub struct Figure {
    pub svg: String,
    /// What the figure shows, and anything the reader must know about it (zones from another dataset version).
    pub caption: String,
    /// Legend labels, topmost zone kind first (for tests and the text of the report).
    pub legend: Vec<String>,
}

/// Maps lon/lat to figure pixels.
struct View {
    frame: LocalFrame,
    /// Centre of the extent in the frame, metres.
    cx: f64,
    cy: f64,
    half_w: f64,
    half_h: f64,
    /// Metres per pixel.
    scale: f64,
}

impl View {
    fn px(&self, c: Coord<f64>) -> (f64, f64) {
        let p = self.frame.point(Point(c));
        ((p.x() - self.cx + self.half_w) / self.scale, (self.half_h - (p.y() - self.cy)) / self.scale)
    }

    fn ring(&self, out: &mut String, ring: &LineString<f64>) {
        for (i, c) in ring.0.iter().enumerate() {
            let (x, y) = self.px(*c);
            let _ = write!(out, "{}{x:.1} {y:.1}", if i == 0 { "M" } else { "L" });
        }
        out.push('Z');
    }

    fn polygon_path(&self, out: &mut String, p: &Polygon<f64>) {
        self.ring(out, p.exterior());
        for hole in p.interiors() {
            self.ring(out, hole);
        }
    }

    fn line_path(&self, l: &LineString<f64>) -> String {
        let mut out = String::new();
        for (i, c) in l.0.iter().enumerate() {
            let (x, y) = self.px(*c);
            let _ = write!(out, "{}{x:.1} {y:.1}", if i == 0 { "M" } else { "L" });
        }
        out
    }
}

/// One zone drawn: its clipped shape as an SVG path, how it is painted and whether the site hits it.
struct Drawn {
    path: String,
    paint: ZonePaint,
    hit: bool,
    legend_key: (usize, String),
    /// Where a hit zone's code is written (a point inside its visible part), in pixels.
    label: Option<(f64, f64, String)>,
}

impl Figure {
    /// Builds the figure for the report's site from `engine`'s zones.
    pub fn build(engine: &Engine, input: &ReportInput, lang: Lang) -> Figure {
        let doc = &input.doc;
        let site = &input.site;
        let here = Coord { x: doc.site.lon, y: doc.site.lat };
        let rect = site.bounding_rect().unwrap_or_else(|| Rect::new(here, here));
        let centre = rect.center();
        let frame = LocalFrame::at(centre);
        let (lo, hi) = (frame.point(rect.min().into()), frame.point(rect.max().into()));
        let (sw, sh) = (hi.x() - lo.x(), hi.y() - lo.y());
        let radius = doc.nearby_radius_m.unwrap_or(1000.0).clamp(250.0, 20_000.0);
        let margin = radius.max(0.3 * sw.max(sh)) * 1.1;
        let (mut half_w, mut half_h) = (sw / 2.0 + margin, sh / 2.0 + margin);
        if half_w / half_h < WIDTH / HEIGHT {
            half_w = half_h * WIDTH / HEIGHT;
        } else {
            half_h = half_w * HEIGHT / WIDTH;
        }
        let view = View { frame, cx: (lo.x() + hi.x()) / 2.0, cy: (lo.y() + hi.y()) / 2.0, half_w, half_h, scale: 2.0 * half_w / WIDTH };
        let (dlon, dlat) = frame.degrees(1.0);
        let mid = Coord { x: centre.x + view.cx * dlon, y: centre.y + view.cy * dlat };
        let extent = Rect::new(
            Coord { x: mid.x - half_w * dlon, y: mid.y - half_h * dlat },
            Coord { x: mid.x + half_w * dlon, y: mid.y + half_h * dlat },
        );

        let hit_codes: BTreeSet<(&str, &str)> = doc.zones.iter().map(|z| (z.zone.layer.as_str(), z.zone.code.as_str())).collect();
        let clip = MultiPolygon(vec![extent.to_polygon()]);
        let mut drawn: Vec<Drawn> = Vec::new();
        for (id, parts) in engine.index.parts_in_rect(extent) {
            let z = engine.index.zone(id);
            let shape = MultiPolygon(parts.into_iter().cloned().collect()).intersection(&clip);
            if shape.0.is_empty() {
                continue;
            }
            let mut path = String::new();
            for p in &shape.0 {
                view.polygon_path(&mut path, p);
            }
            let paint = zone_paint(&z.layer, z.detail.grade());
            let legend = legend_label(engine, &z.layer, z.kind(), z.detail.grade(), z.detail.grade_zh(), lang);
            let hit = hit_codes.contains(&(z.layer.as_str(), z.code.as_str()));
            let label = if hit {
                shape.interior_point().map(|p| {
                    let (x, y) = view.px(p.0);
                    (x, y, z.code.clone())
                })
            } else {
                None
            };
            drawn.push(Drawn { path, legend_key: (paint.order, legend), paint, hit, label });
        }
        drawn.sort_by_key(|d| d.paint.order);

        let mut svg = String::with_capacity(64 * 1024);
        let _ = write!(
            svg,
            r##"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="{FONT_FAMILY}" role="img" aria-label="{}">"##,
            escape(lang.pick("选址与管控分区位置图", "Site and zoning map"))
        );
        let _ = write!(svg, r##"<rect width="{WIDTH}" height="{HEIGHT}" fill="{}"/>"##, super::style::background());
        for d in &drawn {
            let dash = d.paint.dash.as_ref().map(|a| {
                let list: Vec<String> = a.iter().map(|v| format!("{:.1}", v * 1.2)).collect();
                format!(r#" stroke-dasharray="{}""#, list.join(" "))
            });
            let _ = write!(
                svg,
                r#"<path d="{}" fill="{}" fill-opacity="{:.2}" fill-rule="evenodd" stroke="{}" stroke-width="{}"{}/>"#,
                d.path,
                d.paint.fill,
                d.paint.fill_opacity,
                d.paint.line,
                if d.hit { 2.2 } else { 1.0 },
                dash.unwrap_or_default()
            );
        }

        // The nearby-search radius around a point: what "nearby" in the report means.
        let mut legend: Vec<(String, String)> = Vec::new();
        let (sx, sy) = view.px(here);
        if let Site::Point(_) = site {
            let r = doc.nearby_radius_m.unwrap_or(1000.0) / view.scale;
            let _ = write!(svg, r##"<circle cx="{sx:.1}" cy="{sy:.1}" r="{r:.1}" fill="none" stroke="#333" stroke-width="1" stroke-dasharray="6 4"/>"##);
        }

        // Legend: the site, the radius ring, then the zone kinds present, topmost first.
        let site_label = lang.pick("选址", "Site").to_string();
        legend.push((site_symbol(site), site_label));
        if let Site::Point(_) = site {
            let r = doc.nearby_radius_m.unwrap_or(1000.0);
            legend.push((
                r##"<line x1="2" y1="8" x2="22" y2="8" stroke="#333" stroke-width="1" stroke-dasharray="6 4"/>"##.into(),
                format!("{} {}", lang.pick("周边检索范围", "nearby radius"), length_label(r)),
            ));
        }
        let mut keys: Vec<(usize, String, &ZonePaint)> = Vec::new();
        for d in &drawn {
            if !keys.iter().any(|(o, l, _)| (*o, l.clone()) == d.legend_key) {
                keys.push((d.legend_key.0, d.legend_key.1.clone(), &d.paint));
            }
        }
        keys.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        for (_, label, paint) in &keys {
            let dash = if paint.dash.is_some() { r#" stroke-dasharray="4 2""# } else { "" };
            legend.push((
                format!(
                    r#"<rect x="2" y="1" width="20" height="14" fill="{}" fill-opacity="{:.2}" stroke="{}" stroke-width="1.2"{dash}/>"#,
                    paint.fill,
                    paint.fill_opacity.max(0.25),
                    paint.line
                ),
                label.clone(),
            ));
        }
        let legend_box = legend_box(&legend, lang);
        draw_zone_codes(&mut svg, &drawn, site_box(&view, site, (sx, sy)), legend_box);
        draw_site(&mut svg, &view, site);
        draw_legend(&mut svg, &legend, lang, legend_box);
        draw_scale_bar(&mut svg, view.scale);
        draw_north_arrow(&mut svg);
        let _ = write!(svg, r##"<rect x="0.5" y="0.5" width="{}" height="{}" fill="none" stroke="#555" stroke-width="1"/>"##, WIDTH - 1.0, HEIGHT - 1.0);
        svg.push_str("</svg>");

        let mut caption = match lang {
            Lang::Zh => format!(
                "选址与周边管控分区位置图。坐标系 CGCS2000（EPSG:4490），以选址为中心的局部等距投影；分区取自数据集 {}。",
                engine.dataset.version
            ),
            Lang::En => format!(
                "The site and the zones around it. CGCS2000 (EPSG:4490), local equidistant projection centred on the site; zones from dataset {}.",
                engine.dataset.version
            ),
        };
        if engine.dataset.version != doc.dataset.version {
            caption.push_str(&match lang {
                Lang::Zh => format!(" 注意：评估所用数据集为 {}，与绘图所用的当前数据集不同，图中分区边界可能与评估时不一致。", doc.dataset.version),
                Lang::En => format!(
                    " Note: the assessment was made on dataset {}, not the one drawn here; zone boundaries may differ from those assessed.",
                    doc.dataset.version
                ),
            });
        }
        Figure { svg, caption, legend: legend.into_iter().map(|(_, l)| l).collect() }
    }

    /// The SVG parsed with the report font as the only font, for rendering (PNG) and for the PDF.
    pub fn tree(&self, font: &super::font::ReportFont) -> Result<usvg::Tree, ReportError> {
        let opt = usvg::Options { fontdb: font.fontdb(), font_family: font.family().to_string(), ..Default::default() };
        usvg::Tree::from_str(&self.svg, &opt).map_err(|e| ReportError::Figure(e.to_string()))
    }

    /// The figure as PNG, at twice its size in pixels.
    pub fn png(&self, font: &super::font::ReportFont) -> Result<Vec<u8>, ReportError> {
        let tree = self.tree(font)?;
        let (w, h) = ((WIDTH as f32 * PNG_SCALE) as u32, (HEIGHT as f32 * PNG_SCALE) as u32);
        let mut pixmap = tiny_skia::Pixmap::new(w, h).ok_or_else(|| ReportError::Figure("empty pixmap".into()))?;
        resvg::render(&tree, tiny_skia::Transform::from_scale(PNG_SCALE, PNG_SCALE), &mut pixmap.as_mut());
        pixmap.encode_png().map_err(|e| ReportError::Figure(e.to_string()))
    }
}

/// A zone kind's legend label: kind and grade (`饮用水水源保护区 二级保护区`); for other layers the layer's title.
fn legend_label(engine: &Engine, layer: &str, kind: ZoneKind, grade: Option<&str>, grade_zh: Option<&str>, lang: Lang) -> String {
    if kind == ZoneKind::Other {
        let title = engine.layers.iter().find(|l| l.id == layer).and_then(|l| l.title.clone());
        return match (lang, title) {
            (Lang::Zh, Some(t)) => t,
            _ => format!("{} ({})", kind.label_en(), grade.unwrap_or(layer).replace('_', " ")),
        };
    }
    match lang {
        Lang::Zh => [Some(kind.label_zh()), grade_zh.filter(|g| *g != kind.label_zh())].into_iter().flatten().collect::<Vec<_>>().join(" "),
        Lang::En => match grade {
            Some(g) => format!("{} ({})", kind.label_en(), g.replace('_', " ")),
            None => kind.label_en().to_string(),
        },
    }
}

/// The codes of the zones the site is in, each inside its zone, so the figure can be read against the table of zone
/// hits. A code that would cover the site marker moves below it; one that would overlap another code or the legend
/// corner is left out (the legend and the table still name the zone).
fn draw_zone_codes(svg: &mut String, drawn: &[Drawn], site: Box2, legend: Box2) {
    const SIZE: f64 = 12.0;
    let mut taken: Vec<Box2> = vec![legend];
    let mut below = site.3 + 4.0 + SIZE;
    // Topmost zones (red lines, water sources) first: their codes matter most.
    for d in drawn.iter().rev() {
        let Some((x, y, code)) = &d.label else { continue };
        let w = text_px(code, SIZE) + 6.0;
        let mut rect = (x - w / 2.0, y - SIZE, x + w / 2.0, y + 4.0);
        if overlaps(&rect, &site) {
            // Under the site, centred on it, one code a line.
            let cx = (site.0 + site.2) / 2.0;
            rect = (cx - w / 2.0, below - SIZE, cx + w / 2.0, below + 4.0);
            below += SIZE + 5.0;
        }
        let (x, y) = ((rect.0 + rect.2) / 2.0, rect.3 - 4.0);
        let outside = rect.0 < 4.0 || rect.2 > WIDTH - 4.0 || rect.1 < 4.0 || rect.3 > HEIGHT - 4.0;
        if outside || taken.iter().any(|t| overlaps(t, &rect)) {
            continue;
        }
        taken.push(rect);
        let _ = write!(
            svg,
            r##"<text x="{x:.1}" y="{y:.1}" font-size="{SIZE}" text-anchor="middle" fill="{}" stroke="#fff" stroke-width="3" stroke-linejoin="round" paint-order="stroke">{}</text>"##,
            d.paint.line,
            escape(code)
        );
    }
}

/// A box in pixels: left, top, right, bottom.
type Box2 = (f64, f64, f64, f64);

fn overlaps(a: &Box2, b: &Box2) -> bool {
    a.0 < b.2 && b.0 < a.2 && a.1 < b.3 && b.1 < a.3
}

/// The site's extent on the figure (a point's marker), with a little room.
fn site_box(view: &View, site: &Site, centre: (f64, f64)) -> Box2 {
    let r = site.bounding_rect().map(|r| (view.px(r.min()), view.px(r.max())));
    match (site, r) {
        (Site::Point(_), _) | (_, None) => (centre.0 - 12.0, centre.1 - 12.0, centre.0 + 12.0, centre.1 + 12.0),
        (_, Some(((x0, y0), (x1, y1)))) => (x0.min(x1) - 4.0, y0.min(y1) - 4.0, x0.max(x1) + 4.0, y0.max(y1) + 4.0),
    }
}

/// The site on top of everything, with a white halo so it reads over any fill.
fn draw_site(svg: &mut String, view: &View, site: &Site) {
    match site {
        Site::Point(p) => {
            let (x, y) = view.px(p.0);
            let _ = write!(
                svg,
                r##"<circle cx="{x:.1}" cy="{y:.1}" r="8" fill="#fff" stroke="#000" stroke-width="2.5"/><circle cx="{x:.1}" cy="{y:.1}" r="3" fill="#000"/>"##
            );
        }
        Site::Line(l) => {
            for line in &l.0 {
                let d = view.line_path(line);
                let _ = write!(
                    svg,
                    r##"<path d="{d}" fill="none" stroke="#fff" stroke-width="7" stroke-linejoin="round" stroke-linecap="round"/><path d="{d}" fill="none" stroke="#000" stroke-width="3" stroke-linejoin="round" stroke-linecap="round"/>"##
                );
            }
        }
        Site::Footprint(f) => {
            let mut d = String::new();
            for p in &f.0 {
                view.polygon_path(&mut d, p);
            }
            let _ = write!(
                svg,
                r##"<path d="{d}" fill="none" stroke="#fff" stroke-width="6" stroke-linejoin="round"/><path d="{d}" fill="#000" fill-opacity="0.12" fill-rule="evenodd" stroke="#000" stroke-width="2.5" stroke-linejoin="round"/>"##
            );
        }
    }
}

fn site_symbol(site: &Site) -> String {
    match site {
        Site::Point(_) => r##"<circle cx="12" cy="8" r="6" fill="#fff" stroke="#000" stroke-width="2"/><circle cx="12" cy="8" r="2.2" fill="#000"/>"##.into(),
        Site::Line(_) => r##"<line x1="2" y1="8" x2="22" y2="8" stroke="#000" stroke-width="3"/>"##.into(),
        Site::Footprint(_) => r##"<rect x="2" y="1" width="20" height="14" fill="#000" fill-opacity="0.12" stroke="#000" stroke-width="2"/>"##.into(),
    }
}

/// Rough text width in pixels for sizing the legend box (CJK characters are square, Latin about half).
fn text_px(s: &str, size: f64) -> f64 {
    s.chars().map(|c| if c.is_ascii() { 0.56 } else { 1.0 }).sum::<f64>() * size
}

const LEGEND_ROW: f64 = 19.0;
const LEGEND_SIZE: f64 = 12.0;

/// Where the legend goes: the lower-left corner, sized to its entries.
fn legend_box(entries: &[(String, String)], lang: Lang) -> Box2 {
    let title = lang.pick("图例", "Legend");
    let width = entries.iter().map(|(_, l)| 34.0 + text_px(l, LEGEND_SIZE)).fold(text_px(title, 13.0), f64::max) + 16.0;
    let height = 30.0 + LEGEND_ROW * entries.len() as f64;
    (10.0, HEIGHT - 10.0 - height, 10.0 + width, HEIGHT - 10.0)
}

fn draw_legend(svg: &mut String, entries: &[(String, String)], lang: Lang, at: Box2) {
    const ROW: f64 = LEGEND_ROW;
    const SIZE: f64 = LEGEND_SIZE;
    let title = lang.pick("图例", "Legend");
    let (x, y, width, height) = (at.0, at.1, at.2 - at.0, at.3 - at.1);
    let _ = write!(
        svg,
        r##"<g transform="translate({x:.1} {y:.1})"><rect width="{width:.1}" height="{height:.1}" fill="#fff" fill-opacity="0.92" stroke="#777" stroke-width="0.8"/><text x="8" y="18" font-size="13" font-weight="bold" fill="#222">{}</text>"##,
        escape(title)
    );
    for (i, (symbol, label)) in entries.iter().enumerate() {
        let ty = 26.0 + ROW * i as f64;
        let _ = write!(
            svg,
            r##"<g transform="translate(8 {ty:.1})">{symbol}<text x="30" y="12.5" font-size="{SIZE}" fill="#222">{}</text></g>"##,
            escape(label)
        );
    }
    svg.push_str("</g>");
}

/// A length as people write it on a scale bar: `500 m`, `2 km`.
fn length_label(m: f64) -> String {
    if m >= 1000.0 {
        let km = m / 1000.0;
        if (km - km.round()).abs() < 1e-9 { format!("{km:.0} km") } else { format!("{km:.1} km") }
    } else {
        format!("{m:.0} m")
    }
}

/// The longest 1-2-5 round length not over a fifth of the figure's width.
pub fn round_length(max_m: f64) -> f64 {
    if !(max_m > 0.0) {
        return 1.0;
    }
    let decade = 10f64.powf(max_m.log10().floor());
    [5.0, 2.0, 1.0].into_iter().map(|k| k * decade).find(|l| *l <= max_m).unwrap_or(decade)
}

fn draw_scale_bar(svg: &mut String, m_per_px: f64) {
    let len_m = round_length(WIDTH * 0.2 * m_per_px);
    let len_px = len_m / m_per_px;
    let (x, y) = (WIDTH - 44.0 - len_px, HEIGHT - 26.0);
    let half = len_px / 2.0;
    let _ = write!(
        svg,
        r##"<g transform="translate({x:.1} {y:.1})"><rect x="-14" y="-24" width="{:.1}" height="40" fill="#fff" fill-opacity="0.92" stroke="#777" stroke-width="0.8"/><rect x="0" y="0" width="{half:.1}" height="6" fill="#222" stroke="#222" stroke-width="1"/><rect x="{half:.1}" y="0" width="{half:.1}" height="6" fill="#fff" stroke="#222" stroke-width="1"/><text x="0" y="-6" font-size="11" text-anchor="middle" fill="#222">0</text><text x="{len_px:.1}" y="-6" font-size="11" text-anchor="middle" fill="#222">{}</text></g>"##,
        len_px + 48.0,
        length_label(len_m)
    );
}

fn draw_north_arrow(svg: &mut String) {
    let (x, y) = (WIDTH - 36.0, 16.0);
    let _ = write!(
        svg,
        r##"<g transform="translate({x:.1} {y:.1})"><rect x="-18" y="-6" width="36" height="58" fill="#fff" fill-opacity="0.92" stroke="#777" stroke-width="0.8"/><text x="0" y="10" font-size="13" font-weight="bold" text-anchor="middle" fill="#222">N</text><path d="M0 14 L10 46 L0 38 Z" fill="#222"/><path d="M0 14 L-10 46 L0 38 Z" fill="#fff" stroke="#222" stroke-width="1"/></g>"##
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_bars_have_round_lengths() {
        assert_eq!(round_length(430.0), 200.0);
        assert_eq!(round_length(999.0), 500.0);
        assert_eq!(round_length(1000.0), 1000.0);
        assert_eq!(round_length(2600.0), 2000.0);
        assert_eq!(length_label(2000.0), "2 km");
        assert_eq!(length_label(500.0), "500 m");
    }
}
