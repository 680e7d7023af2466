//! Spatial index over all zones and the exact predicates behind a verdict.
//!
//! The R-tree holds one entry per polygon *part*, never a whole multipolygon, so a query only runs exact predicates
//! on parts whose bounding box it touches. Exact tests use `geo`:
//! - point in polygon counts the **boundary as inside** (`Intersects`): a site on a zone's edge is in the zone, the
//!   cautious reading for a permit;
//! - areas are geodesic (Karney) on the WGS84 ellipsoid, in m² (CGCS2000's ellipsoid differs from it by 0.1 mm in
//!   the semi-minor axis);
//! - distances are computed in a local metric frame centred on the query (equirectangular with the ellipsoid's
//!   radii of curvature at that latitude): within 5 km of the query the error is below 0.05 %.

use crate::zone::{Zone, ZoneKind};
use geo::{
    BooleanOps, BoundingRect, Coord, Distance, Euclidean, GeodesicArea, Intersects, Length, LineString, MapCoords,
    MultiLineString, MultiPolygon, Orient, Point, Polygon, Rect,
};
use rstar::{RTree, RTreeObject, AABB};

pub type ZoneId = usize;

#[derive(Debug, Clone)]
struct PartEntry {
    env: AABB<[f64; 2]>,
    zone: ZoneId,
    part: usize,
}

impl RTreeObject for PartEntry {
    type Envelope = AABB<[f64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        self.env
    }
}

/// What a query geometry is, in the working CRS.
#[derive(Debug, Clone, PartialEq)]
pub enum Site {
    Point(Point<f64>),
    Line(MultiLineString<f64>),
    Footprint(MultiPolygon<f64>),
}

impl Site {
    pub fn bounding_rect(&self) -> Option<Rect<f64>> {
        match self {
            Site::Point(p) => Some(p.bounding_rect().into()),
            Site::Line(l) => l.bounding_rect(),
            Site::Footprint(f) => f.bounding_rect(),
        }
    }
}

/// How a site meets one zone.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Overlap {
    pub zone: ZoneId,
    /// Footprints: the geodesic area inside the zone, m².
    pub area_m2: Option<f64>,
    /// Lines: the geodesic length inside the zone, m.
    pub length_m: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Nearby {
    pub zone: ZoneId,
    pub distance_m: f64,
}

pub struct ZoneIndex {
    zones: Vec<Zone>,
    tree: RTree<PartEntry>,
}

impl ZoneIndex {
    pub fn new(zones: Vec<Zone>) -> ZoneIndex {
        let entries: Vec<PartEntry> = zones
            .iter()
            .enumerate()
            .flat_map(|(zi, z)| {
                z.geometry.0.iter().enumerate().filter_map(move |(pi, p)| {
                    p.bounding_rect().map(|r| PartEntry {
                        env: AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                        zone: zi,
                        part: pi,
                    })
                })
            })
            .collect();
        ZoneIndex { zones, tree: RTree::bulk_load(entries) }
    }

    pub fn zones(&self) -> &[Zone] {
        &self.zones
    }

    pub fn zone(&self, id: ZoneId) -> &Zone {
        &self.zones[id]
    }

    /// Every zone carrying this code (a code may span several features, e.g. across layers of one kind).
    pub fn find_code(&self, code: &str) -> Vec<ZoneId> {
        self.zones.iter().enumerate().filter(|(_, z)| z.code == code).map(|(i, _)| i).collect()
    }

    fn part(&self, e: &PartEntry) -> &Polygon<f64> {
        &self.zones[e.zone].geometry.0[e.part]
    }

    /// Zones containing the point, boundary included, in index order.
    pub fn zones_at(&self, p: Point<f64>) -> Vec<ZoneId> {
        let mut out: Vec<ZoneId> = self
            .tree
            .locate_in_envelope_intersecting(&AABB::from_point([p.x(), p.y()]))
            .filter(|e| self.part(e).intersects(&p))
            .map(|e| e.zone)
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Zones whose geometry intersects the rectangle, boundary included, in index order (a degenerate rectangle, a
    /// point or a segment, is allowed). The R-tree picks the parts whose envelope meets the rectangle; each is then
    /// tested exactly, so a rectangle inside a hole or a concave bay of a zone does not select it.
    pub fn zones_in_rect(&self, rect: Rect<f64>) -> Vec<ZoneId> {
        let mut out: Vec<ZoneId> =
            self.candidates(rect).into_iter().filter(|e| self.part(e).intersects(&rect)).map(|e| e.zone).collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    fn candidates(&self, rect: Rect<f64>) -> Vec<&PartEntry> {
        let env = AABB::from_corners([rect.min().x, rect.min().y], [rect.max().x, rect.max().y]);
        self.tree.locate_in_envelope_intersecting(&env).collect()
    }

    /// Polygon parts whose bounding box meets the lon/lat rectangle, grouped by zone, zones and parts in index
    /// order. A bounding-box test only (callers clip): what a map tile needs to find its zones without a scan.
    pub fn parts_in_rect(&self, rect: Rect<f64>) -> Vec<(ZoneId, Vec<&Polygon<f64>>)> {
        let mut c = self.candidates(rect);
        c.sort_by_key(|e| (e.zone, e.part));
        let mut out: Vec<(ZoneId, Vec<&Polygon<f64>>)> = Vec::new();
        for e in c {
            let poly = self.part(e);
            match out.last_mut() {
                Some((z, parts)) if *z == e.zone => parts.push(poly),
                _ => out.push((e.zone, vec![poly])),
            }
        }
        out
    }

    /// Candidate parts grouped by zone, zones in index order.
    fn candidates_by_zone(&self, rect: Rect<f64>) -> Vec<(ZoneId, MultiPolygon<f64>)> {
        let mut c = self.candidates(rect);
        c.sort_by_key(|e| (e.zone, e.part));
        let mut out: Vec<(ZoneId, MultiPolygon<f64>)> = Vec::new();
        for e in c {
            let poly = self.part(e).clone();
            match out.last_mut() {
                Some((z, mp)) if *z == e.zone => mp.0.push(poly),
                _ => out.push((e.zone, MultiPolygon(vec![poly]))),
            }
        }
        out
    }

    /// Zones a site touches, with overlap area (footprints) or crossing length (lines).
    pub fn overlaps(&self, site: &Site) -> Vec<Overlap> {
        match site {
            Site::Point(p) => self.zones_at(*p).into_iter().map(|zone| Overlap { zone, area_m2: None, length_m: None }).collect(),
            Site::Line(line) => {
                let Some(rect) = line.bounding_rect() else { return vec![] };
                self.candidates_by_zone(rect)
                    .into_iter()
                    .filter(|(_, parts)| parts.intersects(line))
                    .map(|(zone, parts)| {
                        let inside = parts.clip(line, false);
                        Overlap { zone, area_m2: None, length_m: Some(geodesic_length(&inside)) }
                    })
                    .collect()
            }
            Site::Footprint(fp) => {
                let Some(rect) = fp.bounding_rect() else { return vec![] };
                self.candidates_by_zone(rect)
                    .into_iter()
                    .filter(|(_, parts)| parts.intersects(fp))
                    .map(|(zone, parts)| {
                        let area = geodesic_area(&parts.intersection(fp));
                        Overlap { zone, area_m2: Some(area), length_m: None }
                    })
                    .collect()
            }
        }
    }

    /// Zones within `radius_m` of the site that it does not touch, nearest first.
    pub fn nearby(&self, site: &Site, radius_m: f64, exclude: &[ZoneId]) -> Vec<Nearby> {
        let Some(rect) = site.bounding_rect() else { return vec![] };
        let frame = LocalFrame::at(rect.center());
        let (dx, dy) = frame.degrees(radius_m);
        let grown = Rect::new(
            Coord { x: rect.min().x - dx, y: rect.min().y - dy },
            Coord { x: rect.max().x + dx, y: rect.max().y + dy },
        );
        let local_site = frame.site(site);
        let mut out: Vec<Nearby> = self
            .candidates_by_zone(grown)
            .into_iter()
            .filter(|(z, _)| !exclude.contains(z))
            .filter_map(|(zone, parts)| {
                let d = frame.distance(&local_site, &frame.multi_polygon(&parts));
                (d <= radius_m).then_some(Nearby { zone, distance_m: d })
            })
            .collect();
        out.sort_by(|a, b| a.distance_m.total_cmp(&b.distance_m));
        out
    }

    /// Distance from a point to the nearest edge (outer or hole ring) of a zone, m.
    pub fn distance_to_boundary(&self, p: Point<f64>, zone: ZoneId) -> f64 {
        let frame = LocalFrame::at(p.0);
        let lp = frame.point(p);
        self.zones[zone]
            .geometry
            .0
            .iter()
            .flat_map(|poly| std::iter::once(poly.exterior()).chain(poly.interiors()))
            .map(|ring| Euclidean.distance(&lp, &frame.line_string(ring)))
            .fold(f64::INFINITY, f64::min)
    }

    /// Bounding box of every zone of a kind, for coverage messages.
    pub fn extent(&self, kind: ZoneKind) -> Option<Rect<f64>> {
        self.zones.iter().filter(|z| z.kind() == kind).filter_map(|z| z.geometry.bounding_rect()).reduce(|a, b| {
            Rect::new(
                Coord { x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y) },
                Coord { x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y) },
            )
        })
    }
}

/// Geodesic area of a (multi)polygon in m², independent of ring winding.
pub fn geodesic_area(mp: &MultiPolygon<f64>) -> f64 {
    mp.orient(geo::orient::Direction::Default).geodesic_area_signed().abs()
}

/// Geodesic length of lines in m.
pub fn geodesic_length(ml: &MultiLineString<f64>) -> f64 {
    ml.0.iter().map(|l| geo::Geodesic.length(l)).sum()
}

/// A local metric frame: metres east and north of an origin, scaled by the ellipsoid's radii of curvature there.
#[derive(Debug, Clone, Copy)]
pub struct LocalFrame {
    origin: Coord<f64>,
    m_per_deg_lon: f64,
    m_per_deg_lat: f64,
}

impl LocalFrame {
    pub fn at(origin: Coord<f64>) -> LocalFrame {
        // GRS80 / CGCS2000 ellipsoid.
        const A: f64 = 6_378_137.0;
        const E2: f64 = 0.006_694_380_022_9;
        let phi = origin.y.to_radians();
        let w = (1.0 - E2 * phi.sin().powi(2)).sqrt();
        let n = A / w;
        let m = A * (1.0 - E2) / (w * w * w);
        LocalFrame {
            origin,
            m_per_deg_lon: n * phi.cos() * std::f64::consts::PI / 180.0,
            m_per_deg_lat: m * std::f64::consts::PI / 180.0,
        }
    }

    /// Degrees of longitude and latitude that span `metres` here.
    pub fn degrees(&self, metres: f64) -> (f64, f64) {
        (metres / self.m_per_deg_lon.max(1e-9), metres / self.m_per_deg_lat)
    }

    fn coord(&self, c: Coord<f64>) -> Coord<f64> {
        Coord { x: (c.x - self.origin.x) * self.m_per_deg_lon, y: (c.y - self.origin.y) * self.m_per_deg_lat }
    }

    pub fn point(&self, p: Point<f64>) -> Point<f64> {
        Point(self.coord(p.0))
    }

    pub fn line_string(&self, l: &LineString<f64>) -> LineString<f64> {
        l.map_coords(|c| self.coord(c))
    }

    pub fn multi_polygon(&self, mp: &MultiPolygon<f64>) -> MultiPolygon<f64> {
        mp.map_coords(|c| self.coord(c))
    }

    pub fn site(&self, site: &Site) -> Site {
        match site {
            Site::Point(p) => Site::Point(self.point(*p)),
            Site::Line(l) => Site::Line(l.map_coords(|c| self.coord(c))),
            Site::Footprint(f) => Site::Footprint(self.multi_polygon(f)),
        }
    }

    fn distance(&self, local_site: &Site, local_zone: &MultiPolygon<f64>) -> f64 {
        match local_site {
            Site::Point(p) => Euclidean.distance(p, local_zone),
            Site::Line(l) => l.0.iter().map(|ls| Euclidean.distance(ls, local_zone)).fold(f64::INFINITY, f64::min),
            Site::Footprint(f) => {
                f.0.iter().flat_map(|a| local_zone.0.iter().map(move |b| Euclidean.distance(a, b))).fold(f64::INFINITY, f64::min)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zone::{Requirements, ZoneDetail};
    use geo::{polygon, Contains};

    fn zone(code: &str, geometry: MultiPolygon<f64>) -> Zone {
        Zone {
            layer: "t".into(),
            source_fid: None,
            code: code.into(),
            name: code.into(),
            detail: ZoneDetail::RedLine,
            subclass: None,
            requirements: Requirements::default(),
            geometry,
        }
    }

    fn square(x0: f64, y0: f64, s: f64) -> Polygon<f64> {
        polygon![(x: x0, y: y0), (x: x0 + s, y: y0), (x: x0 + s, y: y0 + s), (x: x0, y: y0 + s), (x: x0, y: y0)]
    }

    fn donut() -> Zone {
        let outer = square(113.0, 33.0, 0.1);
        let hole = square(113.04, 33.04, 0.02);
        zone("DONUT", MultiPolygon(vec![Polygon::new(outer.exterior().clone(), vec![hole.exterior().clone()])]))
    }

    #[test]
    fn point_in_hole_is_outside_the_zone() {
        let idx = ZoneIndex::new(vec![donut()]);
        assert!(idx.zones_at(Point::new(113.05, 33.05)).is_empty());
        assert_eq!(idx.zones_at(Point::new(113.01, 33.01)), vec![0]);
    }

    #[test]
    fn boundary_point_counts_as_inside() {
        let idx = ZoneIndex::new(vec![donut()]);
        // On the outer edge, on a vertex, and on the hole's edge.
        assert_eq!(idx.zones_at(Point::new(113.0, 33.05)), vec![0]);
        assert_eq!(idx.zones_at(Point::new(113.1, 33.1)), vec![0]);
        assert_eq!(idx.zones_at(Point::new(113.04, 33.05)), vec![0]);
    }

    #[test]
    fn every_part_of_a_multipolygon_is_found() {
        let mp = MultiPolygon(vec![square(113.0, 33.0, 0.01), square(113.5, 33.5, 0.01)]);
        let idx = ZoneIndex::new(vec![zone("MULTI", mp)]);
        assert_eq!(idx.zones_at(Point::new(113.505, 33.505)), vec![0]);
        assert_eq!(idx.zones_at(Point::new(113.005, 33.005)), vec![0]);
        assert!(idx.zones_at(Point::new(113.25, 33.25)).is_empty());
    }

    fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> Rect<f64> {
        Rect::new(Coord { x: x0, y: y0 }, Coord { x: x1, y: y1 })
    }

    #[test]
    fn rect_query_tests_the_polygon_not_its_envelope() {
        let mp = MultiPolygon(vec![square(113.5, 33.5, 0.01)]);
        let idx = ZoneIndex::new(vec![donut(), zone("FAR", mp)]);
        // Inside the donut's hole: within its envelope, outside the polygon.
        assert!(idx.zones_in_rect(rect(113.045, 33.045, 113.055, 33.055)).is_empty());
        // Overlapping the ring, touching only a corner, and degenerate (a point within the ring).
        assert_eq!(idx.zones_in_rect(rect(112.9, 32.9, 113.01, 33.01)), vec![0]);
        assert_eq!(idx.zones_in_rect(rect(112.9, 32.9, 113.0, 33.0)), vec![0]);
        assert_eq!(idx.zones_in_rect(rect(113.02, 33.02, 113.02, 33.02)), vec![0]);
        // Both zones, in index order, each once although the box meets several of their edges.
        assert_eq!(idx.zones_in_rect(rect(112.0, 32.0, 114.0, 34.0)), vec![0, 1]);
        assert!(idx.zones_in_rect(rect(113.2, 33.2, 113.3, 33.3)).is_empty());
    }

    #[test]
    fn rect_query_finds_every_part_of_a_multipolygon() {
        let mp = MultiPolygon(vec![square(113.0, 33.0, 0.01), square(113.5, 33.5, 0.01)]);
        let idx = ZoneIndex::new(vec![zone("MULTI", mp)]);
        assert_eq!(idx.zones_in_rect(rect(113.505, 33.505, 113.6, 33.6)), vec![0]);
        assert!(idx.zones_in_rect(rect(113.2, 33.2, 113.3, 33.3)).is_empty());
    }

    #[test]
    fn parts_in_rect_finds_only_the_parts_whose_box_meets_it() {
        let mp = MultiPolygon(vec![square(113.0, 33.0, 0.01), square(113.5, 33.5, 0.01)]);
        let idx = ZoneIndex::new(vec![zone("MULTI", mp), donut()]);
        let r = |x0: f64, y0: f64, x1: f64, y1: f64| Rect::new(Coord { x: x0, y: y0 }, Coord { x: x1, y: y1 });
        // Around the far part only: zone 0 with its second part, not the donut.
        let hits = idx.parts_in_rect(r(113.4, 33.4, 113.6, 33.6));
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].0, 0);
        assert_eq!(hits[0].1, vec![&idx.zone(0).geometry.0[1]]);
        // Over both zones' first parts: zones in index order.
        let hits = idx.parts_in_rect(r(112.9, 32.9, 113.005, 33.005));
        assert_eq!(hits.iter().map(|(z, p)| (*z, p.len())).collect::<Vec<_>>(), vec![(0, 1), (1, 1)]);
        assert!(idx.parts_in_rect(r(116.0, 39.0, 117.0, 40.0)).is_empty());
    }

    #[test]
    fn footprint_overlap_area_is_geodesic_and_excludes_holes() {
        let idx = ZoneIndex::new(vec![donut()]);
        // A footprint exactly over the hole plus a strip: only the strip overlaps.
        let fp = MultiPolygon(vec![polygon![(x: 113.04, y: 33.04), (x: 113.07, y: 33.04), (x: 113.07, y: 33.06), (x: 113.04, y: 33.06), (x: 113.04, y: 33.04)]]);
        let hits = idx.overlaps(&Site::Footprint(fp.clone()));
        assert_eq!(hits.len(), 1);
        let strip = MultiPolygon(vec![polygon![(x: 113.06, y: 33.04), (x: 113.07, y: 33.04), (x: 113.07, y: 33.06), (x: 113.06, y: 33.06), (x: 113.06, y: 33.04)]]);
        let expected = geodesic_area(&strip);
        let got = hits[0].area_m2.expect("area");
        // Boolean ops snap to a fixed grid: agreement to 1e-7 relative (0.2 m² here).
        assert!((got - expected).abs() / expected < 1e-7, "got {got}, expected {expected}");
        // About 0.01° × 0.02° at 33°N: ≈ 932 m × 2219 m.
        assert!((got - 2.07e6).abs() < 0.03e6, "{got}");
    }

    #[test]
    fn large_polygon_area_matches_the_ellipsoid() {
        // A 1°×1° cell at 33–34°N: the geodesic area is about 1.03e10 m² (not a planar-degree artefact).
        let mp = MultiPolygon(vec![square(113.0, 33.0, 1.0)]);
        let a = geodesic_area(&mp);
        assert!((a - 1.0316e10).abs() / 1.0316e10 < 0.005, "{a}");
        assert!(mp.contains(&Point::new(113.5, 33.5)));
    }

    #[test]
    fn line_crossing_length_counts_only_the_inside_part() {
        let idx = ZoneIndex::new(vec![zone("SQ", MultiPolygon(vec![square(113.0, 33.0, 0.1)]))]);
        let line = MultiLineString(vec![LineString::from(vec![(112.95, 33.05), (113.15, 33.05)])]);
        let hits = idx.overlaps(&Site::Line(line));
        let inside = MultiLineString(vec![LineString::from(vec![(113.0, 33.05), (113.1, 33.05)])]);
        let expected = geodesic_length(&inside);
        let got = hits[0].length_m.expect("length");
        assert!((got - expected).abs() < 0.01, "got {got} expected {expected}");
        assert!((got - 9330.0).abs() < 30.0, "{got}");
    }

    #[test]
    fn nearby_distance_is_in_metres_and_radius_bounded() {
        let idx = ZoneIndex::new(vec![zone("SQ", MultiPolygon(vec![square(113.0, 33.0, 0.1)]))]);
        // 0.005° of latitude south of the square ≈ 554 m.
        let p = Site::Point(Point::new(113.05, 32.995));
        let near = idx.nearby(&p, 1000.0, &[]);
        assert_eq!(near.len(), 1);
        assert!((near[0].distance_m - 554.4).abs() < 1.0, "{}", near[0].distance_m);
        assert!(idx.nearby(&p, 500.0, &[]).is_empty());
    }
}
