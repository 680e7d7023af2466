//! Spatial index over all zones and the exact predicates behind a verdict.
//!
//! The R-tree holds one entry per polygon *part*, never a whole multipolygon, so a query only runs exact predicates
//! on parts whose bounding box it touches (point lookups read the same part boxes from a uniform grid of candidate
//! lists instead, which is cheaper than descending the tree). Each part also carries a segment index ([`SegIndex`]:
//! a coarse inside/outside/boundary cell grid over y-stripes of segments), so the point-in-polygon test, distances
//! and clipping read only the few segments near the query: their cost does not grow with the part's vertex count,
//! and nothing is copied or allocated on the point path. Semantics follow `geo`:
//! - point in polygon counts the **boundary as inside** (`Intersects`): a site on a zone's edge is in the zone, the
//!   cautious reading for a permit;
//! - areas are geodesic (Karney) on the WGS84 ellipsoid, in m² (CGCS2000's ellipsoid differs from it by 0.1 mm in
//!   the semi-minor axis);
//! - distances are computed in a local metric frame centred on the query (equirectangular with the ellipsoid's
//!   radii of curvature at that latitude): within 5 km of the query the error is below 0.05 %.

use crate::zone::{Zone, ZoneKind};
use geo::{
    BooleanOps, BoundingRect, Coord, Intersects, Length, LineString, MapCoords,
    MultiLineString, MultiPolygon, Point, Polygon, Rect,
};
use crate::overlap;
use crate::segindex::{clip_ring, point_segment_dist2, segment_segment_dist2, SegIndex};
use rayon::prelude::*;
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

/// One polygon part as [`ZoneIndex::indexed_parts_in_rect`] returns it.
#[derive(Debug, Clone, Copy)]
pub struct IndexedPart<'a> {
    pub polygon: &'a Polygon<f64>,
    /// The part's bounding box (equal to `polygon.bounding_rect()`, computed once at load).
    pub bbox: Rect<f64>,
    pub segs: &'a SegIndex,
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
    /// `segs[zone][part]`: the segment index of each polygon part, built in parallel at load.
    segs: Vec<Vec<SegIndex>>,
    /// Each zone's bounding box and each kind's extent, computed once: walking every vertex per request (as a
    /// coverage message or a boundary distance would) costs milliseconds at provincial scale.
    bboxes: Vec<Option<Rect<f64>>>,
    extents: Vec<(ZoneKind, Rect<f64>)>,
    /// Candidate parts per cell of a uniform grid over all parts, for point lookups.
    cells: PartCells,
}

/// A uniform grid over an extent, each cell listing the parts whose (possibly grown) box meets it, in
/// (zone, part) order: a point reads one cell's short list instead of descending the R-tree. Point lookups use one
/// over the parts' own boxes ([`PartCells`]); proximity one over boxes grown by the largest band
/// ([`crate::proximity::NearCells`]).
pub(crate) struct BoxGrid {
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
    inv_w: f64,
    inv_h: f64,
    nx: usize,
    ny: usize,
    /// `items[starts[c]..starts[c + 1]]` index `parts` for cell `c`.
    starts: Vec<u32>,
    items: Vec<u32>,
    /// Every listed part's own box `[x0, y0, x1, y1]`, zone and part number, in (zone, part) order.
    pub(crate) parts: Vec<([f64; 4], u32, u32)>,
}

impl BoxGrid {
    /// A grid of `nx` × `ny` cells (from `cells(extent)`) over the extent of the boxes `cover` makes of each part's
    /// box; each part is listed in every cell its cover meets, grown by a rounding margin so that a point's computed
    /// cell always lists every part whose cover holds it (callers then test each box exactly).
    pub(crate) fn new(
        parts: Vec<([f64; 4], u32, u32)>,
        cover: impl Fn(&[f64; 4]) -> [f64; 4],
        cells: impl Fn(&[f64; 4]) -> (usize, usize),
    ) -> BoxGrid {
        let mut e = [f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY];
        for (b, _, _) in &parts {
            let g = cover(b);
            e = [e[0].min(g[0]), e[1].min(g[1]), e[2].max(g[2]), e[3].max(g[3])];
        }
        if parts.is_empty() || !e.iter().all(|v| v.is_finite()) {
            return BoxGrid { x0: 0.0, y0: 0.0, x1: -1.0, y1: -1.0, inv_w: 0.0, inv_h: 0.0, nx: 1, ny: 1, starts: vec![0, 0], items: vec![], parts };
        }
        let (nx, ny) = cells(&e);
        let (nx, ny) = (nx.max(1), ny.max(1));
        let (w, h) = ((e[2] - e[0]).max(1e-9), (e[3] - e[1]).max(1e-9));
        let (inv_w, inv_h) = (nx as f64 / w, ny as f64 / h);
        let span = |lo: f64, hi: f64, o: f64, inv: f64, n: usize| {
            let c = |v: f64| (((v - o) * inv).floor().max(0.0) as usize).min(n - 1);
            c(lo - 1e-9 / inv)..=c(hi + 1e-9 / inv)
        };
        let (starts, items) = cell_lists(nx * ny, |f| {
            for (k, (b, _, _)) in parts.iter().enumerate() {
                let g = cover(b);
                for cy in span(g[1], g[3], e[1], inv_h, ny) {
                    for cx in span(g[0], g[2], e[0], inv_w, nx) {
                        f(cy * nx + cx, k);
                    }
                }
            }
        });
        BoxGrid { x0: e[0], y0: e[1], x1: e[2], y1: e[3], inv_w, inv_h, nx, ny, starts, items, parts }
    }

    /// The parts listed in `p`'s cell (a superset of those whose cover holds `p`); `None` beyond the grid.
    #[inline]
    pub(crate) fn at(&self, p: Coord<f64>) -> Option<&[u32]> {
        if !(p.x >= self.x0 && p.x <= self.x1 && p.y >= self.y0 && p.y <= self.y1) {
            return None;
        }
        let cx = (((p.x - self.x0) * self.inv_w) as usize).min(self.nx - 1);
        let cy = (((p.y - self.y0) * self.inv_h) as usize).min(self.ny - 1);
        let c = cy * self.nx + cx;
        Some(&self.items[self.starts[c] as usize..self.starts[c + 1] as usize])
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        4 * (self.starts.capacity() + self.items.capacity()) + std::mem::size_of::<([f64; 4], u32, u32)>() * self.parts.capacity()
    }

    /// Cells across and down, the extent, and the western and southern border of cell column / row `i` (tests
    /// put points on the borders).
    #[cfg(test)]
    pub(crate) fn size(&self) -> (usize, usize) {
        (self.nx, self.ny)
    }

    #[cfg(test)]
    pub(crate) fn extent(&self) -> [f64; 4] {
        [self.x0, self.y0, self.x1, self.y1]
    }

    #[cfg(test)]
    pub(crate) fn border(&self, i: usize, j: usize) -> Coord<f64> {
        Coord { x: self.x0 + i as f64 / self.inv_w, y: self.y0 + j as f64 / self.inv_h }
    }
}

/// The point-lookup grid: parts' own boxes, about [`CELLS_PER_PART`] cells per part.
struct PartCells(BoxGrid);

/// Grid cells per part (memory: 4 bytes per cell plus 4 per listed part).
const CELLS_PER_PART: f64 = 4.0;

impl PartCells {
    fn new(entries: &[PartEntry]) -> PartCells {
        let parts: Vec<([f64; 4], u32, u32)> = entries
            .iter()
            .map(|e| ([e.env.lower()[0], e.env.lower()[1], e.env.upper()[0], e.env.upper()[1]], e.zone as u32, e.part as u32))
            .collect();
        let cells = (CELLS_PER_PART * parts.len() as f64).clamp(1.0, (1u32 << 22) as f64);
        PartCells(BoxGrid::new(parts, |b| *b, |e| {
            let (w, h) = ((e[2] - e[0]).max(1e-9), (e[3] - e[1]).max(1e-9));
            let nx = (cells * w / h).sqrt().round().clamp(1.0, 4096.0) as usize;
            let ny = (cells * h / w).sqrt().round().clamp(1.0, 4096.0) as usize;
            (nx, ny)
        }))
    }

    /// The parts whose box may hold `p` (a superset: callers test each box).
    #[inline]
    fn at(&self, p: Coord<f64>) -> &[u32] {
        self.0.at(p).unwrap_or(&[])
    }
}

/// Per-cell lists in one flat array (CSR): `each` calls its argument with (cell, item) for every listing, in item
/// order; returns `starts` (`cells + 1` offsets) and `items`, so cell `c` lists `items[starts[c]..starts[c + 1]]`.
/// Two passes (count, then fill), no per-cell vectors.
pub(crate) fn cell_lists(cells: usize, each: impl Fn(&mut dyn FnMut(usize, usize))) -> (Vec<u32>, Vec<u32>) {
    let mut starts = vec![0u32; cells + 1];
    each(&mut |c, _| starts[c + 1] += 1);
    for c in 0..cells {
        starts[c + 1] += starts[c];
    }
    let mut fill = starts.clone();
    let mut items = vec![0u32; starts[cells] as usize];
    each(&mut |c, k| {
        items[fill[c] as usize] = k as u32;
        fill[c] += 1;
    });
    (starts, items)
}

/// A candidate zone's geometry near a query rectangle: the parts clipped to the rectangle, plus whether some part's
/// boundary stays out of the rectangle while the part covers it (then the whole query is inside that part).
struct Clipped {
    covers_rect: bool,
    parts: MultiPolygon<f64>,
}

impl ZoneIndex {
    pub fn new(zones: Vec<Zone>) -> ZoneIndex {
        let mut entries: Vec<PartEntry> = zones
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
        let segs = zones.par_iter().map(|z| z.geometry.0.iter().map(SegIndex::new).collect()).collect();
        let bboxes: Vec<Option<Rect<f64>>> = zones.par_iter().map(|z| z.geometry.bounding_rect()).collect();
        let mut extents: Vec<(ZoneKind, Rect<f64>)> = Vec::new();
        for (z, b) in zones.iter().zip(&bboxes) {
            let Some(b) = b else { continue };
            match extents.iter_mut().find(|(k, _)| *k == z.kind()) {
                Some((_, a)) => {
                    *a = Rect::new(
                        Coord { x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y) },
                        Coord { x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y) },
                    )
                }
                None => extents.push((z.kind(), *b)),
            }
        }
        entries.sort_by_key(|e| (e.zone, e.part));
        let cells = PartCells::new(&entries);
        ZoneIndex { zones, tree: RTree::bulk_load(entries), segs, bboxes, extents, cells }
    }

    /// Heap bytes of the segment indexes, their cell grids and the point-lookup grid (for the memory report of the
    /// scale benchmark).
    pub fn segment_index_bytes(&self) -> usize {
        self.segs.iter().flatten().map(SegIndex::heap_bytes).sum::<usize>() + self.cells.0.heap_bytes()
    }

    pub fn zones(&self) -> &[Zone] {
        &self.zones
    }

    pub fn zone(&self, id: ZoneId) -> &Zone {
        &self.zones[id]
    }

    /// Asks for what [`ZoneIndex::indexed_part`] and a kind test read of a zone (its kind, its parts, its segment
    /// indexes' list), without reading it: see [`crate::prefetch`].
    pub(crate) fn prefetch_zone(&self, id: ZoneId) {
        if let (Some(z), Some(s)) = (self.zones.get(id), self.segs.get(id)) {
            crate::prefetch::prefetch(std::ptr::addr_of!(z.detail));
            crate::prefetch::prefetch(std::ptr::addr_of!(z.geometry));
            crate::prefetch::prefetch(s);
        }
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
        let mut out = Vec::new();
        self.zones_at_into(p, &mut out);
        out
    }

    /// [`ZoneIndex::zones_at`] into a caller's buffer (cleared first): no allocation once the buffer has grown,
    /// for callers that look up many points.
    pub fn zones_at_into(&self, p: Point<f64>, out: &mut Vec<ZoneId>) {
        out.clear();
        let p = p.0;
        // Candidates come in (zone, part) order: the zones found are sorted, a zone's second part is skipped.
        for &k in self.cells.at(p) {
            let (b, zone, part) = &self.cells.0.parts[k as usize];
            if !(p.x >= b[0] && p.x <= b[2] && p.y >= b[1] && p.y <= b[3]) {
                continue;
            }
            let zone = *zone as usize;
            if out.last() == Some(&zone) {
                continue;
            }
            let part = *part as usize;
            if self.segs[zone][part].covers(&self.zones[zone].geometry.0[part], p) {
                out.push(zone);
            }
        }
    }

    /// Candidate zones near a rectangle, clipped to it (grown by a small margin so the clipping's own edges stay
    /// off the query geometry), zones in index order. A part whose boundary does not reach the rectangle is either
    /// outside it or covers it whole: no clipping, no copy.
    fn clipped_candidates(&self, rect: Rect<f64>) -> Vec<(ZoneId, Clipped)> {
        let m = 1e-6 + 1e-6 * (rect.width() + rect.height());
        let b = [rect.min().x - m, rect.min().y - m, rect.max().x + m, rect.max().y + m];
        let mut c = self.candidates(rect);
        c.sort_by_key(|e| (e.zone, e.part));
        let mut out: Vec<(ZoneId, Clipped)> = Vec::new();
        for e in c {
            let poly = self.part(e);
            let seg = &self.segs[e.zone][e.part];
            let clipped = if !seg.any_segment_in(poly, b) {
                if seg.covers(poly, Coord { x: b[0], y: b[1] }) {
                    Some(None)
                } else {
                    None
                }
            } else {
                let ext = clip_ring(&poly.exterior().0, b);
                (!ext.is_empty()).then(|| {
                    let holes: Vec<LineString<f64>> =
                        poly.interiors().iter().map(|h| clip_ring(&h.0, b)).filter(|h| !h.is_empty()).map(LineString).collect();
                    Some(Polygon::new(LineString(ext), holes))
                })
            };
            let Some(clipped) = clipped else { continue };
            if !matches!(out.last(), Some((z, _)) if *z == e.zone) {
                out.push((e.zone, Clipped { covers_rect: false, parts: MultiPolygon(vec![]) }));
            }
            if let Some((_, entry)) = out.last_mut() {
                match clipped {
                    None => entry.covers_rect = true,
                    Some(p) => entry.parts.0.push(p),
                }
            }
        }
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

    /// Every part's box `[x0, y0, x1, y1]` (the R-tree's, computed at load), zone and part number, in (zone, part)
    /// order: what a precomputed candidate structure lists.
    pub fn part_boxes(&self) -> impl Iterator<Item = ([f64; 4], ZoneId, usize)> + '_ {
        self.cells.0.parts.iter().map(|(b, z, p)| (*b, *z as usize, *p as usize))
    }

    /// One part with its box (as [`ZoneIndex::part_boxes`] gives it) and segment index.
    pub fn indexed_part(&self, zone: ZoneId, part: usize, b: [f64; 4]) -> IndexedPart<'_> {
        IndexedPart {
            polygon: &self.zones[zone].geometry.0[part],
            bbox: Rect::new(Coord { x: b[0], y: b[1] }, Coord { x: b[2], y: b[3] }),
            segs: &self.segs[zone][part],
        }
    }

    /// The polygon parts whose bounding box meets the lon/lat rectangle, of the zones `keep` accepts, each with its
    /// bounding box (from the R-tree, computed at load) and segment index, so a caller can prune and search parts
    /// without walking their vertices. One flat list in (zone, part) order (`(zone, part number, part)`; callers
    /// group by zone): one allocation, and nothing built for the zones a caller skips (proximity skips control
    /// units, most of the candidates at provincial scale).
    pub fn indexed_parts_in_rect(&self, rect: Rect<f64>, keep: impl Fn(ZoneId) -> bool) -> Vec<(ZoneId, usize, IndexedPart<'_>)> {
        let env = AABB::from_corners([rect.min().x, rect.min().y], [rect.max().x, rect.max().y]);
        let mut out: Vec<(ZoneId, usize, IndexedPart<'_>)> = self
            .tree
            .locate_in_envelope_intersecting(&env)
            .filter(|e| keep(e.zone))
            .map(|e| {
                let bbox = Rect::new(Coord { x: e.env.lower()[0], y: e.env.lower()[1] }, Coord { x: e.env.upper()[0], y: e.env.upper()[1] });
                (e.zone, e.part, IndexedPart { polygon: self.part(e), bbox, segs: &self.segs[e.zone][e.part] })
            })
            .collect();
        out.sort_unstable_by_key(|(z, p, _)| (*z, *p));
        out
    }

    /// Zones a site touches, with overlap area (footprints) or crossing length (lines).
    pub fn overlaps(&self, site: &Site) -> Vec<Overlap> {
        self.overlaps_given_area(site, None)
    }

    /// [`ZoneIndex::overlaps`] for a caller that has the footprint's own area already (`geodesic_area` of the site,
    /// as the assessment's site summary does): a zone covering the whole footprint reports that area instead of
    /// measuring the footprint again.
    pub fn overlaps_given_area(&self, site: &Site, site_area_m2: Option<f64>) -> Vec<Overlap> {
        match site {
            Site::Point(p) => self.zones_at(*p).into_iter().map(|zone| Overlap { zone, area_m2: None, length_m: None }).collect(),
            Site::Line(line) => {
                let Some(rect) = line.bounding_rect() else { return vec![] };
                self.clipped_candidates(rect)
                    .into_iter()
                    .filter(|(_, c)| c.covers_rect || c.parts.intersects(line))
                    .map(|(zone, c)| {
                        let mut length = if c.covers_rect { geodesic_length(line) } else { 0.0 };
                        if !c.parts.0.is_empty() {
                            length += geodesic_length(&c.parts.clip(line, false));
                        }
                        Overlap { zone, area_m2: None, length_m: Some(length) }
                    })
                    .collect()
            }
            Site::Footprint(fp) => {
                let Some(rect) = fp.bounding_rect() else { return vec![] };
                let frame = LocalFrame::at(rect.center());
                let fp_segs = SiteSegments::new(&frame, site);
                // Prepared at the first zone that needs it (none do when every candidate covers the footprint).
                let mut fp_rings: Option<overlap::Footprint> = None;
                // The footprint's own area, for every zone covering it whole: computed once, not per zone (each is
                // a geodesic inverse per vertex).
                let mut fp_area: Option<f64> = site_area_m2;
                self.clipped_candidates(rect)
                    .into_iter()
                    .filter_map(|(zone, c)| {
                        // Parts of a valid multipolygon are disjoint: a part covering the whole footprint leaves
                        // nothing of it to the others.
                        if c.covers_rect {
                            let area = *fp_area.get_or_insert_with(|| geodesic_area(fp));
                            return Some(Overlap { zone, area_m2: Some(area), length_m: None });
                        }
                        // The area from the two boundaries where they cross cleanly, else from the overlap
                        // polygon the overlay builds (touching or shared boundaries, slivers): see `overlap`.
                        let (area, met) = match fp_rings.get_or_insert_with(|| overlap::Footprint::new(fp)).shared_with(&c.parts) {
                            Some(s) => (s.area_m2, s.met),
                            None => {
                                let inside = c.parts.intersection(fp);
                                (geodesic_area(&inside), !inside.0.is_empty())
                            }
                        };
                        // An empty overlap may still be a touch along an edge or at a vertex (the boundary counts):
                        // found from the clipped parts' segments against the footprint's blocks, not by a
                        // quadratic segment-pair test.
                        let touches = met
                            || c.parts.0.iter().any(|p| {
                                std::iter::once(p.exterior()).chain(p.interiors()).any(|r| {
                                    r.0.windows(2).any(|w| fp_segs.dist2(frame.coord(w[0]), frame.coord(w[1]), 1e-12).is_finite())
                                })
                            });
                        touches.then_some(Overlap { zone, area_m2: Some(area), length_m: None })
                    })
                    .collect()
            }
        }
    }

    /// Zones within `radius_m` of the site that it does not touch, nearest first.
    ///
    /// Distances are measured from the site to the zone's edges near it (read from the segment index, in a local
    /// metric frame), never by copying whole zones: a zone the site does not touch is as far from it as its nearest
    /// edge.
    pub fn nearby(&self, site: &Site, radius_m: f64, exclude: &[ZoneId]) -> Vec<Nearby> {
        self.nearby_where(site, radius_m, exclude, |_| true)
    }

    /// [`ZoneIndex::nearby`] over the zones `keep` accepts only: the assessment lists no nearby control units (they
    /// tile the territory), and measuring them is most of the work at provincial scale.
    pub fn nearby_where(&self, site: &Site, radius_m: f64, exclude: &[ZoneId], keep: impl Fn(&Zone) -> bool) -> Vec<Nearby> {
        let Some(rect) = site.bounding_rect() else { return vec![] };
        let frame = LocalFrame::at(rect.center());
        let (dx, dy) = frame.degrees(radius_m);
        let window = [rect.min().x - dx, rect.min().y - dy, rect.max().x + dx, rect.max().y + dy];
        let site_segs = SiteSegments::new(&frame, site);
        let r2 = radius_m * radius_m;
        // A zone exactly at the radius is still within it.
        let limit = r2 * (1.0 + 1e-12) + 1e-12;
        let mut best: Vec<(ZoneId, f64)> = Vec::new();
        for e in self.tree.locate_in_envelope_intersecting(&AABB::from_corners([window[0], window[1]], [window[2], window[3]])) {
            if exclude.contains(&e.zone) || !keep(&self.zones[e.zone]) {
                continue;
            }
            let known = best.iter().position(|(z, _)| *z == e.zone);
            let mut d2 = known.map_or(f64::INFINITY, |i| best[i].1);
            let before = d2;
            self.segs[e.zone][e.part].segments_in(self.part(e), window, |a, b| {
                d2 = d2.min(site_segs.dist2(frame.coord(a), frame.coord(b), d2.min(limit)));
            });
            if d2 < before {
                match known {
                    Some(i) => best[i].1 = d2,
                    None => best.push((e.zone, d2)),
                }
            }
        }
        let mut out: Vec<Nearby> =
            best.into_iter().filter(|(_, d2)| *d2 <= limit).map(|(zone, d2)| Nearby { zone, distance_m: d2.sqrt() }).collect();
        out.sort_by(|a, b| a.distance_m.total_cmp(&b.distance_m).then(a.zone.cmp(&b.zone)));
        out
    }

    /// Distance from a point to the nearest edge (outer or hole ring) of a zone, m. Searches the segment index in
    /// windows growing from 50 m, so a point near an edge (the case that matters: boundary warnings) reads a few
    /// segments.
    pub fn distance_to_boundary(&self, p: Point<f64>, zone: ZoneId) -> f64 {
        let frame = LocalFrame::at(p.0);
        let lp = frame.coord(p.0);
        let z = &self.zones[zone];
        let Some(bbox) = self.bboxes[zone] else { return f64::INFINITY };
        let mut radius = 50.0;
        loop {
            let (dx, dy) = frame.degrees(radius);
            let window = [p.x() - dx, p.y() - dy, p.x() + dx, p.y() + dy];
            let mut d2 = f64::INFINITY;
            for (part, seg) in z.geometry.0.iter().zip(&self.segs[zone]) {
                seg.segments_in(part, window, |a, b| d2 = d2.min(point_segment_dist2(lp, frame.coord(a), frame.coord(b))));
            }
            let covers_all = window[0] <= bbox.min().x && window[1] <= bbox.min().y && window[2] >= bbox.max().x && window[3] >= bbox.max().y;
            // A segment found within the window's inscribed circle is the nearest of all.
            if d2.sqrt() <= radius || covers_all {
                return d2.sqrt();
            }
            radius *= 4.0;
        }
    }

    /// Distance from a point to the nearest edge of a zone if it is within `max_m`, else `None`: what a boundary
    /// warning needs, read from the few segments of a `max_m` window instead of searching outwards for the exact
    /// distance of a point deep inside a large zone.
    pub fn distance_to_boundary_within(&self, p: Point<f64>, zone: ZoneId, max_m: f64) -> Option<f64> {
        let frame = LocalFrame::at(p.0);
        let lp = frame.coord(p.0);
        let (dx, dy) = frame.degrees(max_m);
        let window = [p.x() - dx, p.y() - dy, p.x() + dx, p.y() + dy];
        let mut d2 = f64::INFINITY;
        for (part, seg) in self.zones[zone].geometry.0.iter().zip(&self.segs[zone]) {
            if seg.edges_clear_of(window) {
                continue;
            }
            seg.segments_in(part, window, |a, b| d2 = d2.min(point_segment_dist2(lp, frame.coord(a), frame.coord(b))));
        }
        let d = d2.sqrt();
        (d <= max_m).then_some(d)
    }

    /// Bounding box of every zone of a kind, for coverage messages (computed at load).
    pub fn extent(&self, kind: ZoneKind) -> Option<Rect<f64>> {
        self.extents.iter().find(|(k, _)| *k == kind).map(|(_, r)| *r)
    }
}

/// Geodesic area of a (multi)polygon in m², independent of ring winding (the fast authalic path where its error
/// bound allows, Karney otherwise: see [`crate::area`]).
pub use crate::area::geodesic_area;

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

    pub(crate) fn coord(&self, c: Coord<f64>) -> Coord<f64> {
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

}

/// The site's edges (or its point) in a local metric frame, in blocks of up to 32 consecutive segments with their
/// bounding boxes, so that measuring one zone segment against a 1,000-vertex footprint skips the blocks that cannot
/// beat the best distance so far.
struct SiteSegments {
    point: Option<Coord<f64>>,
    segs: Vec<(Coord<f64>, Coord<f64>)>,
    blocks: Vec<(usize, usize, [f64; 4])>,
}

impl SiteSegments {
    fn new(frame: &LocalFrame, site: &Site) -> SiteSegments {
        let mut segs = Vec::new();
        let mut add = |l: &LineString<f64>| {
            if l.0.len() == 1 {
                let c = frame.coord(l.0[0]);
                segs.push((c, c));
            }
            segs.extend(l.0.windows(2).map(|w| (frame.coord(w[0]), frame.coord(w[1]))));
        };
        let point = match site {
            Site::Point(p) => Some(frame.coord(p.0)),
            Site::Line(ml) => {
                ml.0.iter().for_each(&mut add);
                None
            }
            Site::Footprint(mp) => {
                for poly in &mp.0 {
                    add(poly.exterior());
                    poly.interiors().iter().for_each(&mut add);
                }
                None
            }
        };
        let blocks = (0..segs.len())
            .step_by(32)
            .map(|s| {
                let e = (s + 32).min(segs.len());
                let mut bb = [f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY];
                for (a, b) in &segs[s..e] {
                    bb = [bb[0].min(a.x).min(b.x), bb[1].min(a.y).min(b.y), bb[2].max(a.x).max(b.x), bb[3].max(a.y).max(b.y)];
                }
                (s, e, bb)
            })
            .collect();
        SiteSegments { point, segs, blocks }
    }

    /// Squared distance from the segment `a`–`b` to the site when it is below `bound`, else infinity.
    fn dist2(&self, a: Coord<f64>, b: Coord<f64>, bound: f64) -> f64 {
        if let Some(p) = self.point {
            let d = point_segment_dist2(p, a, b);
            return if d < bound { d } else { f64::INFINITY };
        }
        let (sx0, sx1) = (a.x.min(b.x), a.x.max(b.x));
        let (sy0, sy1) = (a.y.min(b.y), a.y.max(b.y));
        let mut best = bound;
        let mut found = false;
        for (s, e, bb) in &self.blocks {
            let dx = (bb[0] - sx1).max(sx0 - bb[2]).max(0.0);
            let dy = (bb[1] - sy1).max(sy0 - bb[3]).max(0.0);
            if dx * dx + dy * dy >= best {
                continue;
            }
            for (c, d) in &self.segs[*s..*e] {
                let d2 = segment_segment_dist2(a, b, *c, *d);
                if d2 < best {
                    best = d2;
                    found = true;
                }
            }
        }
        if found {
            best
        } else {
            f64::INFINITY
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
