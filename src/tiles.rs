//! Map tiles: the zones as Mapbox Vector Tiles 2.1 on the Web Mercator (EPSG:3857) XYZ grid, and their TileJSON
//! 3.0.0 description. The map-tile concept only; `api::tiles` serves it over HTTP.
//!
//! A tile is built from the R-tree (only polygon parts whose box meets the buffered tile are read, never a scan),
//! in tile units (extent 4096, origin top-left, y down):
//! 1. project the parts to tile units (spherical Web Mercator; latitudes clamped to ±85.0511°);
//! 2. clip them to the tile plus a 64-unit buffer with `geo`'s BooleanOps (parts wholly inside are not clipped);
//! 3. simplify each ring with Douglas–Peucker at [`SIMPLIFY_TOLERANCE`] tile units, never below 4 points;
//! 4. round to integers, drop repeated points, and drop rings that collapsed (fewer than 4 points or zero area);
//!    a polygon whose exterior collapsed is dropped with its holes;
//! 5. orient the rings as MVT 2.1 §4.3.4.4 requires: exterior rings have a positive area by the surveyor's formula
//!    in tile coordinates (clockwise as seen with y down), holes a negative one, each exterior followed by its holes.
//!
//! A zone that reaches the tile but collapses entirely at this zoom (a small water-source zone at z0, say) is kept
//! as a 1×1-unit square where it lies, so every zone stays present, and clickable, at every zoom.
//!
//! Each zone is one MVT feature (all its parts as one multipolygon) whose id is the zone's index in the dataset, with
//! string properties `code`, `name`, `kind`, `grade`, `grade_zh`, `layer` and `category` (each only when the zone
//! has it). Each manifest layer is one MVT layer named by its id. A tile without features is `None`: the service
//! answers 204 No Content for it.

use crate::assess::Engine;
use crate::index::{ZoneId, ZoneIndex};
use crate::ingest::LayerSummary;
use crate::zone::{Zone, ZoneDetail, ZoneKind};
use geo::{Area, BooleanOps, BoundingRect, Centroid, Coord, LineString, MapCoords, MultiPolygon, Polygon, Rect, Simplify};
use geozero::mvt::{tile, Message, TagsBuilder, TileValue};
use geozero::ToMvt;
use serde_json::{json, Map, Value};
use std::f64::consts::PI;

/// Tile units across a tile.
pub const EXTENT: u32 = 4096;
/// Tile units kept around a tile, so lines and fills join seamlessly across tile edges.
pub const BUFFER: u32 = 64;
/// The deepest zoom the service renders.
pub const MAX_ZOOM: u32 = 22;
/// The maxzoom TileJSON advertises: clients overzoom beyond it. At z16 a tile unit is 0.13 m at 33°N, finer than
/// any zoning boundary is surveyed, and clients fetch far fewer tiles than they would down to z22.
pub const TILEJSON_MAXZOOM: u32 = 16;
/// Douglas–Peucker tolerance in tile units (1/8 of a screen pixel when a tile is drawn 512 px wide).
pub const SIMPLIFY_TOLERANCE: f64 = 1.0;
/// Web Mercator's latitude limit, where the square world ends.
pub const MAX_LATITUDE: f64 = 85.051_128_779_806_59;
/// The tileset holding every manifest layer, one MVT layer each.
pub const ALL_LAYERS: &str = "zones";

/// One tile of the XYZ scheme (y = 0 at the north).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TileId {
    pub z: u32,
    pub x: u32,
    pub y: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TileIdError {
    #[error("zoom {0} is outside 0–{MAX_ZOOM}")]
    Zoom(u32),
    #[error("tile x={x}, y={y} does not exist at zoom {z}: x and y run from 0 to {max}")]
    OutOfRange { z: u32, x: u32, y: u32, max: u32 },
}

impl TileIdError {
    pub fn message_zh(&self) -> String {
        match self {
            TileIdError::Zoom(z) => format!("缩放级别 {z} 超出 0–{MAX_ZOOM} 范围。"),
            TileIdError::OutOfRange { z, x, y, max } => format!("缩放级别 {z} 下不存在瓦片 x={x}, y={y}：x、y 的范围为 0–{max}。"),
        }
    }
}

/// Web Mercator world coordinates of a lon/lat, in [0, 1]² with x east and y south.
pub fn world(c: Coord<f64>) -> Coord<f64> {
    let phi = c.y.clamp(-MAX_LATITUDE, MAX_LATITUDE).to_radians();
    Coord { x: (c.x + 180.0) / 360.0, y: (1.0 - phi.tan().asinh() / PI) / 2.0 }
}

/// The lon/lat of Web Mercator world coordinates (the inverse of [`world`] inside the latitude limit).
pub fn unworld(w: Coord<f64>) -> Coord<f64> {
    Coord { x: w.x * 360.0 - 180.0, y: (PI * (1.0 - 2.0 * w.y)).sinh().atan().to_degrees() }
}

impl TileId {
    pub fn new(z: u32, x: u32, y: u32) -> Result<TileId, TileIdError> {
        if z > MAX_ZOOM {
            return Err(TileIdError::Zoom(z));
        }
        let n = 1u32 << z;
        if x >= n || y >= n {
            return Err(TileIdError::OutOfRange { z, x, y, max: n - 1 });
        }
        Ok(TileId { z, x, y })
    }

    /// The tile at zoom `z` holding a lon/lat (latitudes beyond the limit fall in the edge row).
    pub fn containing(lon: f64, lat: f64, z: u32) -> Result<TileId, TileIdError> {
        if z > MAX_ZOOM {
            return Err(TileIdError::Zoom(z));
        }
        let n = f64::from(1u32 << z);
        let w = world(Coord { x: lon, y: lat });
        let max = n - 1.0;
        TileId::new(z, (w.x * n).floor().clamp(0.0, max) as u32, (w.y * n).floor().clamp(0.0, max) as u32)
    }

    fn scale(self) -> f64 {
        f64::from(1u32 << self.z)
    }

    /// Tile units (0..4096 across the tile, y down) of a lon/lat.
    pub fn to_tile(self, c: Coord<f64>) -> Coord<f64> {
        let w = world(c);
        let n = self.scale();
        let e = f64::from(EXTENT);
        Coord { x: (w.x * n - f64::from(self.x)) * e, y: (w.y * n - f64::from(self.y)) * e }
    }

    /// The lon/lat of a position in tile units.
    pub fn to_lonlat(self, t: Coord<f64>) -> Coord<f64> {
        let n = self.scale();
        let e = f64::from(EXTENT);
        unworld(Coord { x: (f64::from(self.x) + t.x / e) / n, y: (f64::from(self.y) + t.y / e) / n })
    }

    /// The tile's lon/lat rectangle grown by `buffer` tile units on every side.
    pub fn lonlat_bounds(self, buffer: f64) -> Rect<f64> {
        let nw = self.to_lonlat(Coord { x: -buffer, y: -buffer });
        let se = self.to_lonlat(Coord { x: f64::from(EXTENT) + buffer, y: f64::from(EXTENT) + buffer });
        Rect::new(Coord { x: nw.x, y: se.y }, Coord { x: se.x, y: nw.y })
    }
}

/// A tileset: the manifest layers served together under one name.
#[derive(Debug, Clone)]
pub struct Tileset<'a> {
    pub id: String,
    pub layers: Vec<&'a LayerSummary>,
}

impl<'a> Tileset<'a> {
    /// `zones` (every layer) or a single manifest layer id; `None` for anything else.
    pub fn find(layers: &'a [LayerSummary], id: &str) -> Option<Tileset<'a>> {
        if id == ALL_LAYERS {
            return Some(Tileset { id: id.to_string(), layers: layers.iter().collect() });
        }
        layers.iter().find(|l| l.id == id).map(|l| Tileset { id: id.to_string(), layers: vec![l] })
    }

    pub fn layer_ids(&self) -> Vec<&str> {
        self.layers.iter().map(|l| l.id.as_str()).collect()
    }
}

#[derive(Debug, thiserror::Error)]
#[error("encoding the vector tile failed: {0}")]
pub struct EncodeError(String);

/// The MVT (protobuf) bytes of a tile holding the zones of the given manifest layers, one MVT layer each in the
/// order given; `None` when no zone reaches the tile.
pub fn render_tile(index: &ZoneIndex, layers: &[&str], tile: TileId) -> Result<Option<Vec<u8>>, EncodeError> {
    let mut per_layer: Vec<Vec<(ZoneId, geo::Geometry<f64>)>> = vec![Vec::new(); layers.len()];
    let mut labels: Vec<Vec<(ZoneId, geo::Geometry<f64>)>> = vec![Vec::new(); layers.len()];
    for (zone, parts) in index.parts_in_rect(tile.lonlat_bounds(f64::from(BUFFER))) {
        let Some(slot) = layers.iter().position(|l| *l == index.zone(zone).layer) else { continue };
        if let Some(geometry) = tile_geometry(&parts, tile) {
            per_layer[slot].push((zone, geo::Geometry::MultiPolygon(geometry)));
        }
        if let Some(point) = label_point(&index.zone(zone).geometry, tile) {
            labels[slot].push((zone, geo::Geometry::Point(point)));
        }
    }
    if per_layer.iter().all(Vec::is_empty) {
        return Ok(None);
    }
    let mut out = geozero::mvt::Tile::default();
    for ((name, mut features), points) in layers.iter().zip(per_layer).zip(labels) {
        if !features.is_empty() {
            features.extend(points);
            out.layers.push(encode_layer(name, index, features)?);
        }
    }
    Ok(Some(out.encode_to_vec()))
}

/// Where a zone's label goes: one point per zone, inside it (geo's interior point), placed only in the tile whose
/// own extent holds it, so a zone spanning many tiles is labelled once rather than once per tile. Label points are
/// Point features of the zone's layer with the zone's properties (the style's symbol layers filter on
/// `geometry-type`); their ids are offset by 2^32 so they never clash with the polygons'.
pub fn label_point(zone: &MultiPolygon<f64>, tile: TileId) -> Option<geo::Point<f64>> {
    use geo::InteriorPoint;
    let p = zone.interior_point()?;
    let t = tile.to_tile(p.0);
    let e = f64::from(EXTENT);
    ((0.0..e).contains(&t.x) && (0.0..e).contains(&t.y)).then(|| geo::Point::new(t.x.round(), t.y.round()))
}

/// Feature ids of label points: the zone index plus this offset.
pub const LABEL_ID_OFFSET: u64 = 1 << 32;

fn encode_layer(name: &str, index: &ZoneIndex, features: Vec<(ZoneId, geo::Geometry<f64>)>) -> Result<tile::Layer, EncodeError> {
    let mut tags = TagsBuilder::new();
    let mut encoded = Vec::with_capacity(features.len());
    for (zone, geometry) in features {
        let is_label = matches!(geometry, geo::Geometry::Point(_));
        let mut f = geometry.to_mvt_unscaled().map_err(|e| EncodeError(e.to_string()))?;
        f.id = Some(zone as u64 + if is_label { LABEL_ID_OFFSET } else { 0 });
        for (key, value) in feature_properties(index.zone(zone)) {
            let (k, v) = tags.insert_ref(key, TileValue::Str(value));
            f.tags.extend([k, v]);
        }
        encoded.push(f);
    }
    let (keys, values) = tags.into_tags();
    Ok(tile::Layer {
        version: 2,
        name: name.to_string(),
        features: encoded,
        keys,
        values: values.into_iter().map(Into::into).collect(),
        extent: Some(EXTENT),
    })
}

/// The properties of a zone's feature; a property the zone lacks is absent, never empty.
pub fn feature_properties(z: &Zone) -> Vec<(&'static str, String)> {
    let mut p = vec![("code", z.code.clone()), ("name", z.name.clone()), ("kind", z.kind().as_str().to_string())];
    if let Some(g) = z.detail.grade() {
        p.push(("grade", g.to_string()));
    }
    if let Some(g) = z.detail.grade_zh() {
        p.push(("grade_zh", g.to_string()));
    }
    p.push(("layer", z.layer.clone()));
    if let ZoneDetail::Other { category } = &z.detail {
        p.push(("category", category.clone()));
    }
    p
}

/// One zone's polygon parts (lon/lat) as tile geometry: projected, clipped to the buffered tile, simplified,
/// quantized and oriented (steps 1–5 of the module doc). `None` when nothing of the zone lies in the buffered tile.
pub fn tile_geometry(parts: &[&Polygon<f64>], tile: TileId) -> Option<MultiPolygon<f64>> {
    let clipped: Vec<Polygon<f64>> =
        parts.iter().flat_map(|p| clip_to_buffer(p.map_coords(|c| tile.to_tile(c)))).collect();
    finish(clipped)
}

/// Clips a polygon in tile units to the tile plus its buffer.
pub fn clip_to_buffer(p: Polygon<f64>) -> Vec<Polygon<f64>> {
    let lo = -f64::from(BUFFER);
    let hi = f64::from(EXTENT + BUFFER);
    let Some(b) = p.bounding_rect() else { return vec![] };
    if b.max().x < lo || b.min().x > hi || b.max().y < lo || b.min().y > hi {
        return vec![];
    }
    if b.min().x >= lo && b.max().x <= hi && b.min().y >= lo && b.max().y <= hi {
        return vec![p];
    }
    let window = Rect::new(Coord { x: lo, y: lo }, Coord { x: hi, y: hi }).to_polygon();
    p.intersection(&window).0
}

/// Steps 3–5 on polygons already in tile units and clipped: simplify, quantize, drop what collapsed, make valid on
/// the integer grid, orient. When everything collapses although the polygons have an area, a 1×1-unit square stands
/// in at their centroid.
pub fn finish(polygons: Vec<Polygon<f64>>) -> Option<MultiPolygon<f64>> {
    let mut quantized = Vec::with_capacity(polygons.len());
    for p in &polygons {
        let s = p.simplify(SIMPLIFY_TOLERANCE);
        let Some(exterior) = quantize_ring(s.exterior(), true) else { continue };
        let holes = s.interiors().iter().filter_map(|r| quantize_ring(r, false)).collect();
        quantized.push(Polygon::new(exterior, holes));
    }
    let mut out = make_valid(&quantized);
    if out.is_empty() {
        let polygons = MultiPolygon(polygons);
        if polygons.unsigned_area() <= 0.0 {
            return None;
        }
        let c = polygons.centroid()?;
        let (x, y) = (c.x().floor(), c.y().floor());
        // Listed clockwise on screen (y down): a positive area by the surveyor's formula.
        let square = LineString::from(vec![(x, y), (x + 1.0, y), (x + 1.0, y + 1.0), (x, y + 1.0), (x, y)]);
        out.push(Polygon::new(square, vec![]));
    }
    Some(MultiPolygon(out))
}

/// Rings rounded to the grid can cross or touch themselves, a hole can cross its exterior, two parts can overlap: the
/// MVT spec forbids all of that. `i_overlay` rebuilds the polygons (exteriors counted +1, holes −1, filled where the
/// sum is non-zero) on the same integer grid, splitting rings where they meet, and the result is oriented for MVT.
pub fn make_valid(polygons: &[Polygon<f64>]) -> Vec<Polygon<f64>> {
    use i_overlay::core::fill_rule::FillRule;
    use i_overlay::core::overlay::IntOverlayOptions;
    use i_overlay::core::simplify::Simplify as _;
    use i_overlay::i_float::int::point::IntPoint;
    if polygons.is_empty() {
        return vec![];
    }
    // Contours are open (no repeated closing point); coordinates are already integers within the buffered tile.
    let contour = |r: &LineString<f64>| -> Vec<IntPoint> {
        r.0[..r.0.len().saturating_sub(1)].iter().map(|c| IntPoint::new(c.x as i32, c.y as i32)).collect()
    };
    let shapes: Vec<Vec<Vec<IntPoint>>> =
        polygons.iter().map(|p| std::iter::once(p.exterior()).chain(p.interiors()).map(contour).collect()).collect();
    let ring = |c: &[IntPoint], exterior: bool| -> Option<LineString<f64>> {
        let mut pts: Vec<Coord<f64>> = c.iter().map(|p| Coord { x: f64::from(p.x), y: f64::from(p.y) }).collect();
        pts.push(*pts.first()?);
        quantize_ring(&LineString(pts), exterior)
    };
    shapes
        .as_slice()
        .simplify(FillRule::NonZero, IntOverlayOptions::default())
        .into_iter()
        .filter_map(|shape| {
            let (first, holes) = shape.split_first()?;
            Some(Polygon::new(ring(first, true)?, holes.iter().filter_map(|h| ring(h, false)).collect()))
        })
        .collect()
}

/// A ring rounded to integer tile units without repeated points, oriented as an exterior ring (positive area) or a
/// hole (negative); `None` when it collapsed to fewer than 4 points or to zero area.
pub fn quantize_ring(ring: &LineString<f64>, exterior: bool) -> Option<LineString<f64>> {
    let mut pts: Vec<Coord<f64>> = Vec::with_capacity(ring.0.len() + 1);
    for c in &ring.0 {
        let q = Coord { x: c.x.round(), y: c.y.round() };
        if pts.last() != Some(&q) {
            pts.push(q);
        }
    }
    if pts.first() != pts.last() {
        pts.push(pts[0]);
    }
    if pts.len() < 4 {
        return None;
    }
    let area = surveyor_area(&pts);
    if area == 0.0 {
        return None;
    }
    if (area > 0.0) != exterior {
        pts.reverse();
    }
    Some(LineString(pts))
}

/// The signed area of a closed ring by the surveyor's (shoelace) formula, as MVT 2.1 §4.3.4.4 applies it in tile
/// coordinates: positive for exterior rings.
pub fn surveyor_area(ring: &[Coord<f64>]) -> f64 {
    ring.windows(2).map(|w| w[0].x * w[1].y - w[1].x * w[0].y).sum::<f64>() / 2.0
}

/// The lon/lat bounding box of the zones of some layers.
pub fn layers_extent(index: &ZoneIndex, layers: &[&str]) -> Option<Rect<f64>> {
    index.zones().iter().filter(|z| layers.contains(&z.layer.as_str())).filter_map(|z| z.geometry.bounding_rect()).reduce(|a, b| {
        Rect::new(
            Coord { x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y) },
            Coord { x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y) },
        )
    })
}

/// The deepest zoom at which a lon/lat box fits in one tile (for TileJSON's `center`).
pub fn fitting_zoom(r: Rect<f64>) -> u32 {
    let a = world(r.min());
    let b = world(r.max());
    let span = (b.x - a.x).abs().max((b.y - a.y).abs());
    if span <= 0.0 {
        return TILEJSON_MAXZOOM;
    }
    ((1.0 / span).log2().floor().max(0.0) as u32).min(TILEJSON_MAXZOOM)
}

fn vector_layer(layer: &LayerSummary) -> Value {
    let mut fields = Map::new();
    let mut field = |k: &str, v: &str| {
        fields.insert(k.to_string(), Value::String(v.to_string()));
    };
    field("code", "String: official zone code (单元编码 / 红线编码 / 水源编码 …)");
    field("name", "String: zone name");
    field("kind", "String: control_unit | red_line | water_source | nature_reserve | other");
    match layer.kind {
        ZoneKind::ControlUnit => field("grade", "String: unit class, priority | key | general"),
        ZoneKind::WaterSource => field("grade", "String: protection level, level1 | level2 | quasi"),
        ZoneKind::NatureReserve => field("grade", "String: functional zone, core | buffer | experimental | unzoned"),
        ZoneKind::Other => field("grade", "String: the layer's category"),
        ZoneKind::RedLine => {}
    }
    if matches!(layer.kind, ZoneKind::ControlUnit | ZoneKind::WaterSource | ZoneKind::NatureReserve) {
        field("grade_zh", "String: the grade in Chinese (e.g. 一级保护区)");
    }
    field("layer", "String: manifest layer id");
    if layer.kind == ZoneKind::Other {
        field("category", "String: layer category (e.g. livestock_no_farming)");
    }
    let description = match &layer.title {
        Some(t) if t != layer.kind.label_zh() => format!("{t} ({})", layer.kind.label_zh()),
        Some(t) => t.clone(),
        None => layer.kind.label_zh().to_string(),
    };
    json!({
        "id": layer.id,
        "description": description,
        "fields": fields,
        "minzoom": 0,
        "maxzoom": TILEJSON_MAXZOOM,
    })
}

/// The TileJSON 3.0.0 document of a tileset; `base` is the service's absolute base URL (no trailing slash).
pub fn tilejson(engine: &Engine, tileset: &Tileset, base: &str) -> Value {
    let d = &engine.dataset;
    let ids = tileset.layer_ids();
    let extent = layers_extent(&engine.index, &ids);
    let (bounds, center) = match extent {
        Some(r) => {
            let c = r.center();
            (vec![r.min().x, r.min().y, r.max().x, r.max().y], json!([c.x, c.y, fitting_zoom(r)]))
        }
        None => (vec![-180.0, -MAX_LATITUDE, 180.0, MAX_LATITUDE], json!([0.0, 0.0, 0])),
    };
    let name = match tileset.layers.as_slice() {
        [one] if tileset.id != ALL_LAYERS => format!("{} — {}", d.title, one.title.as_deref().unwrap_or(&one.id)),
        _ => d.title.clone(),
    };
    let mut description = format!(
        "Ecological zoning layers of dataset {} as Mapbox Vector Tiles: one MVT layer per dataset layer, one feature \
         per zone (id = zone index). Empty tiles are answered 204 No Content.",
        d.version
    );
    let mut attribution = format!("ecogate · {}", d.title);
    if d.illustrative {
        attribution.push_str(" (illustrative sample, not official / 示例数据，非官方边界)");
        if d.notice_en.is_none() && d.notice_zh.is_none() {
            description.push_str(" Illustrative data: NOT official boundaries. 示例数据，不是官方边界。");
        }
    }
    for notice in [&d.notice_en, &d.notice_zh].into_iter().flatten() {
        description.push(' ');
        description.push_str(notice);
    }
    json!({
        "tilejson": "3.0.0",
        "name": name,
        "description": description,
        "version": d.version,
        "attribution": attribution,
        "scheme": "xyz",
        "tiles": [format!("{base}/tiles/{}/{{z}}/{{x}}/{{y}}.mvt", tileset.id)],
        "minzoom": 0,
        "maxzoom": TILEJSON_MAXZOOM,
        "bounds": bounds,
        "center": center,
        "vector_layers": tileset.layers.iter().map(|l| vector_layer(l)).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zone::{Requirements, WaterSourceLevel};
    use geo::{polygon, Contains, Point, Validation};

    fn close(a: Coord<f64>, b: Coord<f64>, eps: f64) -> bool {
        (a.x - b.x).abs() < eps && (a.y - b.y).abs() < eps
    }

    fn rings(mp: &MultiPolygon<f64>) -> Vec<(&LineString<f64>, bool)> {
        mp.0.iter().flat_map(|p| std::iter::once((p.exterior(), true)).chain(p.interiors().iter().map(|r| (r, false)))).collect()
    }

    /// Every ring closed, at least 4 points, integer coordinates, no repeated points, oriented per MVT 2.1, and
    /// every polygon valid (no self-intersection, holes inside their exterior).
    fn assert_mvt_valid(mp: &MultiPolygon<f64>) {
        for (r, exterior) in rings(mp) {
            assert!(r.0.len() >= 4, "ring of {} points", r.0.len());
            assert_eq!(r.0.first(), r.0.last(), "ring not closed");
            assert!(r.0.iter().all(|c| c.x.fract() == 0.0 && c.y.fract() == 0.0), "not quantized");
            assert!(r.0.windows(2).all(|w| w[0] != w[1]), "repeated point");
            let a = surveyor_area(&r.0);
            assert!(if exterior { a > 0.0 } else { a < 0.0 }, "exterior={exterior} area {a}");
        }
        for p in &mp.0 {
            // Validation reads the rings as geometry, whatever their winding.
            assert!(p.is_valid(), "{:?}", p.check_validation());
        }
    }

    #[test]
    fn projection_round_trips_and_matches_known_tiles() {
        // The industrial park's point: z=12 tile computed by hand from the slippy-map formulas.
        let t = TileId::containing(113.569369, 33.321212, 12).unwrap();
        assert_eq!((t.x, t.y), (3340, 1645));
        let p = Coord { x: 113.569369, y: 33.321212 };
        let u = t.to_tile(p);
        assert!((0.0..4096.0).contains(&u.x) && (0.0..4096.0).contains(&u.y), "{u:?}");
        assert!(close(t.to_lonlat(u), p, 1e-9));
        // Tile corners: z=0 spans the Mercator square; (0,0) is the north-west corner.
        let z0 = TileId::new(0, 0, 0).unwrap();
        assert!(close(z0.to_lonlat(Coord { x: 0.0, y: 0.0 }), Coord { x: -180.0, y: MAX_LATITUDE }, 1e-9));
        assert!(close(z0.to_lonlat(Coord { x: 4096.0, y: 4096.0 }), Coord { x: 180.0, y: -MAX_LATITUDE }, 1e-9));
        assert!(close(z0.to_tile(Coord { x: 0.0, y: 0.0 }), Coord { x: 2048.0, y: 2048.0 }, 1e-9));
        // Deepest zoom: still exact to a thousandth of a unit.
        let t22 = TileId::containing(113.569369, 33.321212, 22).unwrap();
        assert!(close(t22.to_tile(t22.to_lonlat(Coord { x: 1234.0, y: 77.0 })), Coord { x: 1234.0, y: 77.0 }, 1e-3));
        // Buffered bounds grow the tile on every side.
        let b = t.lonlat_bounds(64.0);
        let inner = t.lonlat_bounds(0.0);
        assert!(b.min().x < inner.min().x && b.min().y < inner.min().y && b.max().x > inner.max().x && b.max().y > inner.max().y);
        assert!(inner.contains(&Point(p)));
    }

    #[test]
    fn tile_ids_are_checked() {
        assert_eq!(TileId::new(23, 0, 0), Err(TileIdError::Zoom(23)));
        assert_eq!(TileId::new(2, 4, 0), Err(TileIdError::OutOfRange { z: 2, x: 4, y: 0, max: 3 }));
        assert!(TileId::new(22, (1 << 22) - 1, (1 << 22) - 1).is_ok());
        // Beyond the latitude limit the edge row answers.
        assert_eq!(TileId::containing(0.0, 89.9, 3).unwrap().y, 0);
        assert_eq!(TileId::containing(180.0, -89.9, 3).unwrap(), TileId { z: 3, x: 7, y: 7 });
    }

    #[test]
    fn rings_are_wound_as_mvt_requires() {
        // A lon/lat polygon wound counter-clockwise (the GeoJSON convention) with a clockwise hole: projection
        // flips y, and the tile must still have a positive exterior and a negative hole.
        let t = TileId::containing(113.5, 33.3, 12).unwrap();
        let c = t.to_lonlat(Coord { x: 2048.0, y: 2048.0 });
        let d = 0.01;
        let outer = LineString::from(vec![(c.x - d, c.y - d), (c.x + d, c.y - d), (c.x + d, c.y + d), (c.x - d, c.y + d), (c.x - d, c.y - d)]);
        let hole = LineString::from(vec![(c.x - d / 4.0, c.y - d / 4.0), (c.x - d / 4.0, c.y + d / 4.0), (c.x + d / 4.0, c.y + d / 4.0), (c.x + d / 4.0, c.y - d / 4.0), (c.x - d / 4.0, c.y - d / 4.0)]);
        for (o, h) in [(outer.clone(), hole.clone()), (LineString(outer.0.iter().rev().copied().collect()), LineString(hole.0.iter().rev().copied().collect()))] {
            let p = Polygon::new(o, vec![h]);
            let g = tile_geometry(&[&p], t).expect("geometry");
            assert_eq!(g.0.len(), 1);
            assert_eq!(g.0[0].interiors().len(), 1);
            assert!(surveyor_area(&g.0[0].exterior().0) > 0.0);
            assert!(surveyor_area(&g.0[0].interiors()[0].0) < 0.0);
            assert_mvt_valid(&g);
        }
        // The spec's own example: (0,0) (10,0) (10,10) (0,10) has positive area (clockwise on screen).
        let spec: Vec<Coord<f64>> = [(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0), (0.0, 0.0)].iter().map(|&(x, y)| Coord { x, y }).collect();
        assert!(surveyor_area(&spec) > 0.0);
    }

    #[test]
    fn clipping_keeps_the_hole_and_stays_in_the_buffer() {
        // Tile units: a square far larger than the tile with a hole straddling the tile's left edge.
        let outer = polygon![(x: -1000.0, y: -1000.0), (x: 5000.0, y: -1000.0), (x: 5000.0, y: 5000.0), (x: -1000.0, y: 5000.0), (x: -1000.0, y: -1000.0)];
        let hole = LineString::from(vec![(-20.0, 1000.0), (-20.0, 2000.0), (500.0, 2000.0), (500.0, 1000.0), (-20.0, 1000.0)]);
        let p = Polygon::new(outer.exterior().clone(), vec![hole]);
        let clipped = clip_to_buffer(p);
        let g = finish(clipped).expect("geometry");
        assert_eq!(g.0.len(), 1);
        assert_eq!(g.0[0].interiors().len(), 1, "the hole survives clipping");
        let lo = -f64::from(BUFFER);
        let hi = f64::from(EXTENT + BUFFER);
        for (r, _) in rings(&g) {
            assert!(r.0.iter().all(|c| (lo..=hi).contains(&c.x) && (lo..=hi).contains(&c.y)), "{r:?}");
        }
        // The exterior is the buffered tile itself.
        assert_eq!(surveyor_area(&g.0[0].exterior().0), (hi - lo) * (hi - lo));
        assert!(!g.contains(&Point::new(100.0, 1500.0)), "in the hole");
        assert!(g.contains(&Point::new(100.0, 2500.0)));
        assert_mvt_valid(&g);
        // A hole crossing the buffer edge opens the exterior instead: the result is still valid.
        let hole2 = LineString::from(vec![(-200.0, 1000.0), (-200.0, 2000.0), (500.0, 2000.0), (500.0, 1000.0), (-200.0, 1000.0)]);
        let g2 = finish(clip_to_buffer(Polygon::new(outer.exterior().clone(), vec![hole2]))).expect("geometry");
        assert!(g2.0.iter().all(|p| p.interiors().is_empty()));
        assert!(!g2.contains(&Point::new(100.0, 1500.0)));
        assert_mvt_valid(&g2);
        // Wholly outside the buffer: nothing.
        assert!(clip_to_buffer(polygon![(x: 5000.0, y: 0.0), (x: 6000.0, y: 0.0), (x: 6000.0, y: 10.0), (x: 5000.0, y: 0.0)]).is_empty());
    }

    /// A deterministic jagged ring: a circle with radial noise, many vertices per tile unit at small radii.
    fn jagged(cx: f64, cy: f64, r: f64, n: usize, noise: f64, seed: u64, clockwise: bool) -> LineString<f64> {
        let mut s = seed;
        let mut pts: Vec<(f64, f64)> = (0..n)
            .map(|i| {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let jitter = ((s >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 2.0 * noise;
                let a = 2.0 * PI * i as f64 / n as f64 * if clockwise { -1.0 } else { 1.0 };
                (cx + (r + jitter) * a.cos(), cy + (r + jitter) * a.sin())
            })
            .collect();
        pts.push(pts[0]);
        LineString::from(pts)
    }

    #[test]
    fn a_zone_spanning_many_tiles_gets_one_label_point() {
        // A square of about 0.2° around Wugang spans several z12 tiles: exactly one of them holds its label.
        let zone = MultiPolygon(vec![Polygon::new(
            LineString::from(vec![(113.4, 33.2), (113.6, 33.2), (113.6, 33.4), (113.4, 33.4), (113.4, 33.2)]),
            vec![],
        )]);
        let nw = TileId::containing(113.4, 33.4, 12).unwrap();
        let se = TileId::containing(113.6, 33.2, 12).unwrap();
        let mut holders = 0;
        for x in nw.x..=se.x {
            for y in nw.y..=se.y {
                if let Some(p) = label_point(&zone, TileId::new(12, x, y).unwrap()) {
                    holders += 1;
                    assert!((0.0..4096.0).contains(&p.x()) && (0.0..4096.0).contains(&p.y()));
                }
            }
        }
        assert!((se.x - nw.x + 1) * (se.y - nw.y + 1) > 4, "the square spans many tiles");
        assert_eq!(holders, 1);
    }

    #[test]
    fn simplification_never_produces_invalid_rings() {
        let mut seen_dropped_hole = false;
        for seed in 0..24u64 {
            for &(r, n) in &[(300.0, 600), (40.0, 500), (6.0, 200), (2.5, 100), (0.6, 40)] {
                let outer = jagged(2048.0, 2048.0, r, n, r * 0.03, seed, seed % 2 == 0);
                let hole = jagged(2048.0 + r * 0.3, 2048.0, r * 0.2, n / 2, r * 0.006, seed + 1000, seed % 3 == 0);
                let p = Polygon::new(outer, vec![hole]);
                let Some(g) = finish(clip_to_buffer(p)) else { panic!("zone vanished at r={r}") };
                assert_mvt_valid(&g);
                // Simplification never loses what it should keep: the ring count shrinks only when rings collapse.
                if r >= 40.0 {
                    assert_eq!(g.0.len(), 1);
                    assert_eq!(g.0[0].interiors().len(), 1, "a hole of radius {} survives", r * 0.2);
                    let n_out = g.0[0].exterior().0.len();
                    assert!(n_out < n, "simplified: {n_out} of {n}");
                } else if g.0[0].interiors().is_empty() {
                    seen_dropped_hole = true;
                }
            }
        }
        assert!(seen_dropped_hole, "tiny holes are dropped");
    }

    #[test]
    fn a_zone_that_collapses_is_kept_as_a_unit_square() {
        // Rounds to one point: a 1×1 square stands in where it lies.
        let speck = polygon![(x: 100.2, y: 200.2), (x: 100.45, y: 200.2), (x: 100.45, y: 200.4), (x: 100.2, y: 200.2)];
        let g = finish(vec![speck]).expect("kept");
        assert_eq!(g.0.len(), 1);
        assert_eq!(g.0[0].exterior().0, LineString::from(vec![(100.0, 200.0), (101.0, 200.0), (101.0, 201.0), (100.0, 201.0), (100.0, 200.0)]).0);
        assert_mvt_valid(&g);
        assert!(finish(vec![]).is_none());
        // A degenerate (zero-area) polygon is nothing.
        let flat = polygon![(x: 0.0, y: 0.0), (x: 10.0, y: 0.0), (x: 20.0, y: 0.0), (x: 0.0, y: 0.0)];
        assert!(finish(vec![flat]).is_none());
    }

    fn zone(layer: &str, detail: ZoneDetail, geometry: MultiPolygon<f64>) -> Zone {
        Zone { layer: layer.into(), source_fid: None, code: "W1".into(), name: "水源".into(), detail, subclass: None, requirements: Requirements::default(), geometry }
    }

    #[test]
    fn tiles_encode_and_decode_with_properties_and_ids() {
        use geozero::ToGeo;
        let t = TileId::containing(113.5, 33.3, 10).unwrap();
        let c = t.to_lonlat(Coord { x: 2048.0, y: 2048.0 });
        let sq = |d: f64| MultiPolygon(vec![polygon![(x: c.x - d, y: c.y - d), (x: c.x + d, y: c.y - d), (x: c.x + d, y: c.y + d), (x: c.x - d, y: c.y + d), (x: c.x - d, y: c.y - d)]]);
        let far = MultiPolygon(vec![polygon![(x: 116.0, y: 39.0), (x: 116.1, y: 39.0), (x: 116.1, y: 39.1), (x: 116.0, y: 39.0)]]);
        let index = ZoneIndex::new(vec![
            zone("far", ZoneDetail::RedLine, far),
            zone("water", ZoneDetail::WaterSource { level: WaterSourceLevel::Level2 }, sq(0.01)),
            zone("other", ZoneDetail::Other { category: "fuel_ban".into() }, sq(0.02)),
        ]);
        let bytes = render_tile(&index, &["water", "other", "far"], t).unwrap().expect("not empty");
        let decoded = geozero::mvt::Tile::decode(bytes.as_slice()).unwrap();
        let names: Vec<&str> = decoded.layers.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["water", "other"], "empty layers are left out, order kept");
        let water = &decoded.layers[0];
        assert_eq!(water.extent, Some(EXTENT));
        assert_eq!(water.features[0].id, Some(1));
        let props: Vec<(String, String)> = water.features[0]
            .tags
            .chunks(2)
            .map(|kv| (water.keys[kv[0] as usize].clone(), water.values[kv[1] as usize].string_value.clone().unwrap()))
            .collect();
        let get = |k: &str| props.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
        assert_eq!(get("grade"), Some("level2"));
        assert_eq!(get("grade_zh"), Some("二级保护区"));
        assert_eq!(get("kind"), Some("water_source"));
        assert_eq!(get("category"), None);
        let g = water.features[0].to_geo().unwrap();
        assert!(g.contains(&Point::new(2048.0, 2048.0)));
        let other = &decoded.layers[1];
        assert!(other.keys.contains(&"category".to_string()));
        // Only the selected layers; nothing here → None.
        assert!(render_tile(&index, &["far"], t).unwrap().is_none());
    }
}
