//! The area a footprint shares with a zone part, from the two boundaries alone: no overlap polygon is built.
//!
//! The overlap A ∩ B of two polygons is bounded by the pieces of A's rings that lie inside B and the pieces of B's
//! rings that lie inside A, each run in its own ring's positive sense (outer rings counter-clockwise, holes
//! clockwise). An area that is a sum of per-edge terms, as the authalic fast path of [`crate::area`] is, therefore
//! sums over those pieces to the overlap's area. Finding the pieces takes the points where the boundaries cross
//! (exact orientation tests, `robust::orient2d`), and for each ring whether its first vertex lies inside the other
//! polygon (`geo`'s exact `CoordinatePosition`); along a ring, inside and outside alternate at each crossing.
//!
//! Why: the overlay (`geo`'s `BooleanOps`, i_overlay) built the whole overlap polygon only for its area to be taken,
//! 1.4M instructions per zone a 1,000-vertex footprint crosses, most of a footprint assessment.
//!
//! Where the boundaries do anything but cross cleanly — touch, run along each other, a vertex on the other's edge —
//! or the area leaves the fast path's domain or error bound, [`overlap_area`] answers `None` and the caller
//! overlays as before: the fast path decides only where it can vouch for its answer. Like the overlay, the
//! crossings are those of the edges drawn straight in longitude and latitude (as PostGIS's `ST_Intersection` on
//! geometry computes them); each crossing point is computed once and ends a piece of each ring, so the pieces
//! close exactly.

use crate::area::{EdgeSum, Vertex, MAX_REL_ERROR};
use geo::coordinate_position::{CoordPos, CoordinatePosition};
use crate::segindex::{union2, union_of};
use geo::winding_order::{Winding, WindingOrder};
use geo::{Coord, LineString, MultiPolygon, Polygon};

/// Segments per block: the crossing search compares the boxes of blocks first, then of segments.
const BLOCK: usize = 16;

/// The overlap of a footprint with a zone part as [`overlap_area`] finds it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shared {
    /// m², on the WGS84 ellipsoid (the fast path of [`crate::area`], within its relative error bound).
    pub area_m2: f64,
    /// Whether the interiors meet (the boundaries cross, or a ring lies inside the other polygon). When they do
    /// not, the polygons may still touch along a line the caller tests for, or be apart.
    pub met: bool,
}

/// One polygon's rings, their senses, and their segments with boxes, per segment and per block.
struct Rings<'a> {
    polygon: &'a Polygon<f64>,
    rings: Vec<&'a [Coord<f64>]>,
    /// Whether each ring runs against its positive sense (then its pieces are added end to start).
    reversed: Vec<bool>,
    /// Global number of each ring's first segment, and one past the last.
    starts: Vec<usize>,
    /// Each segment's ends and box `[x0, y0, x1, y1]`, by global number.
    segs: Vec<[Coord<f64>; 2]>,
    boxes: Vec<[f64; 4]>,
    /// `(first segment, end segment, box)`, blocks never straddling two rings.
    blocks: Vec<(usize, usize, [f64; 4])>,
    /// The box of every segment.
    extent: [f64; 4],
}

impl<'a> Rings<'a> {
    /// `None` for a ring without a winding (no area, or fewer than three distinct vertices).
    fn new(polygon: &'a Polygon<f64>) -> Option<Rings<'a>> {
        let lines: Vec<&LineString<f64>> = std::iter::once(polygon.exterior()).chain(polygon.interiors()).collect();
        let n: usize = lines.iter().map(|l| l.0.len().saturating_sub(1)).sum();
        let mut reversed = Vec::with_capacity(lines.len());
        let mut starts = Vec::with_capacity(lines.len() + 1);
        let (mut segs, mut boxes, mut blocks) = (Vec::with_capacity(n), Vec::with_capacity(n), Vec::new());
        for (r, line) in lines.iter().enumerate() {
            // Outer rings counter-clockwise, holes clockwise: the polygon lies to the left of each.
            let counter_clockwise = line.winding_order()? == WindingOrder::CounterClockwise;
            reversed.push(counter_clockwise != (r == 0));
            let base = segs.len();
            starts.push(base);
            for w in line.0.windows(2) {
                let (p, q) = (w[0], w[1]);
                segs.push([p, q]);
                boxes.push([p.x.min(q.x), p.y.min(q.y), p.x.max(q.x), p.y.max(q.y)]);
            }
            for s in (base..segs.len()).step_by(BLOCK) {
                let e = (s + BLOCK).min(segs.len());
                blocks.push((s, e, union_of(&boxes[s..e])));
            }
        }
        starts.push(segs.len());
        let extent = blocks.iter().map(|b| b.2).reduce(union2)?;
        let rings = lines.iter().map(|l| l.0.as_slice()).collect();
        Some(Rings { polygon, rings, reversed, starts, segs, boxes, blocks, extent })
    }
}

fn boxes_meet(a: &[f64; 4], b: &[f64; 4]) -> bool {
    a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3]
}

fn orient(a: Coord<f64>, b: Coord<f64>, c: Coord<f64>) -> f64 {
    robust::orient2d(robust::Coord { x: a.x, y: a.y }, robust::Coord { x: b.x, y: b.y }, robust::Coord { x: c.x, y: c.y })
}

/// A crossing on one polygon's segment: (segment, parameter along it, crossing number).
type OnSegment = (usize, f64, usize);

/// Where two polygons' boundaries cross: each crossing's place on a segment of either (sorted by segment, then
/// along it) and its point, computed once for both.
struct Crossings {
    on_a: Vec<OnSegment>,
    on_b: Vec<OnSegment>,
    points: Vec<Coord<f64>>,
}

/// Every proper crossing of A's and B's segments, as positions on each and the crossing points; `None` where two
/// segments whose boxes meet have a zero orientation (a touch, a vertex on the other's edge, collinear segments, or
/// merely collinear lines: the caller's overlay decides all of those).
fn crossings(a: &Rings, b: &Rings) -> Option<Crossings> {
    let (mut on_a, mut on_b, mut points) = (Vec::new(), Vec::new(), Vec::new());
    for (a0, a1, abox) in &a.blocks {
        for (b0, b1, bbox_) in &b.blocks {
            if !boxes_meet(abox, bbox_) {
                continue;
            }
            for i in *a0..*a1 {
                let sa = &a.boxes[i];
                if !boxes_meet(sa, bbox_) {
                    continue;
                }
                let [p, q] = a.segs[i];
                for j in *b0..*b1 {
                    if !boxes_meet(sa, &b.boxes[j]) {
                        continue;
                    }
                    let [r, s] = b.segs[j];
                    let (o1, o2) = (orient(p, q, r), orient(p, q, s));
                    if o1 == 0.0 || o2 == 0.0 {
                        return None;
                    }
                    if (o1 > 0.0) == (o2 > 0.0) {
                        continue;
                    }
                    let (o3, o4) = (orient(r, s, p), orient(r, s, q));
                    if o3 == 0.0 || o4 == 0.0 {
                        return None;
                    }
                    if (o3 > 0.0) == (o4 > 0.0) {
                        continue;
                    }
                    // The signed distances of each segment's ends from the other's line give the parameters.
                    let (t, u) = (o3 / (o3 - o4), o1 / (o1 - o2));
                    let id = points.len();
                    points.push(Coord { x: p.x + (q.x - p.x) * t, y: p.y + (q.y - p.y) * t });
                    on_a.push((i, t, id));
                    on_b.push((j, u, id));
                }
            }
        }
    }
    let order = |x: &OnSegment, y: &OnSegment| x.0.cmp(&y.0).then(x.1.total_cmp(&y.1));
    on_a.sort_unstable_by(order);
    on_b.sort_unstable_by(order);
    Some(Crossings { on_a, on_b, points })
}

/// Adds to `sum` the pieces of `x`'s rings inside polygon `other`, each in its ring's positive sense, splitting
/// segments at the crossings `on` (sorted by segment and parameter). Returns whether any piece was inside; `None`
/// where a ring's first vertex lies on `other`'s boundary, a ring's crossings do not pair up, or an edge leaves the
/// fast path's domain.
fn add_inside_pieces(sum: &mut EdgeSum, x: &Rings, other: &Polygon<f64>, on: &[OnSegment], points: &[Coord<f64>]) -> Option<bool> {
    let mut any = false;
    let mut next_crossing = 0;
    for (r, ring) in x.rings.iter().enumerate() {
        let Some(first) = ring.first() else { continue };
        let start_inside = match other.coordinate_position(first) {
            CoordPos::Inside => true,
            CoordPos::Outside => false,
            CoordPos::OnBoundary => return None,
        };
        let mut inside = start_inside;
        // The piece's start, and its vertex once computed (only pieces inside need one).
        let (mut cur, mut cur_v): (Coord<f64>, Option<Vertex>) = (*first, None);
        let piece = |sum: &mut EdgeSum, cur: Coord<f64>, cur_v: Option<Vertex>, to: Coord<f64>| -> Option<Vertex> {
            let from = match cur_v {
                Some(v) => v,
                None => sum.vertex(cur)?,
            };
            let to = sum.vertex(to)?;
            if x.reversed[r] {
                sum.add(&to, &from)?;
            } else {
                sum.add(&from, &to)?;
            }
            Some(to)
        };
        for k in 0..ring.len().saturating_sub(1) {
            let g = x.starts[r] + k;
            // The segment's crossings in order, then its end.
            loop {
                let crossing = next_crossing < on.len() && on[next_crossing].0 == g;
                let to = if crossing { points[on[next_crossing].2] } else { ring[k + 1] };
                cur_v = if inside {
                    any = true;
                    Some(piece(sum, cur, cur_v, to)?)
                } else {
                    None
                };
                cur = to;
                if !crossing {
                    break;
                }
                next_crossing += 1;
                inside = !inside;
            }
        }
        if inside != start_inside {
            return None;
        }
    }
    Some(any)
}

/// The area polygon `a` (a footprint) shares with polygon `b` (a zone part), or `None` where only an overlay can
/// answer (see the module comment). Both in longitude and latitude, rings closed, any winding.
pub fn overlap_area(a: &Polygon<f64>, b: &Polygon<f64>) -> Option<Shared> {
    shared(&Rings::new(a)?, &Rings::new(b)?)
}

fn shared(ra: &Rings, rb: &Rings) -> Option<Shared> {
    let apart = Shared { area_m2: 0.0, met: false };
    if !boxes_meet(&ra.extent, &rb.extent) {
        return Some(apart);
    }
    let Crossings { on_a, on_b, points } = crossings(ra, rb)?;
    let mut sum = EdgeSum::new();
    let a_in_b = add_inside_pieces(&mut sum, ra, rb.polygon, &on_a, &points)?;
    let b_in_a = add_inside_pieces(&mut sum, rb, ra.polygon, &on_b, &points)?;
    if !(a_in_b || b_in_a) {
        return Some(apart);
    }
    let (area, bound) = sum.total();
    // Within the fast path's relative bound, as `geodesic_area` demands of a whole polygon; a sliver whose bound
    // is not small beside its area goes to the overlay.
    (area > 0.0 && bound <= MAX_REL_ERROR * area).then_some(Shared { area_m2: area, met: true })
}

/// A footprint's polygons prepared once (rings, senses, segment boxes) for every zone it is measured against.
pub struct Footprint<'a> {
    /// `None` when a ring has no area: every zone then goes to the overlay.
    polygons: Option<Vec<Rings<'a>>>,
}

impl<'a> Footprint<'a> {
    pub fn new(footprint: &'a MultiPolygon<f64>) -> Footprint<'a> {
        Footprint { polygons: footprint.0.iter().map(Rings::new).collect() }
    }

    /// [`overlap_area`] summed over every pair of the footprint's polygons and the zone's parts (both multipolygons
    /// of disjoint parts, so the pairs' overlaps are disjoint too); `None` if any pair needs the overlay.
    pub fn shared_with(&self, zone_parts: &MultiPolygon<f64>) -> Option<Shared> {
        let mut total = Shared { area_m2: 0.0, met: false };
        for part in &zone_parts.0 {
            let rb = Rings::new(part)?;
            for ra in self.polygons.as_ref()? {
                let s = shared(ra, &rb)?;
                total.area_m2 += s.area_m2;
                total.met |= s.met;
            }
        }
        Some(total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::area::geodesic_area;
    use crate::area::tests::{reversed, star, Rng};
    use geo::BooleanOps;

    /// The overlay's answer: the overlap polygon, then its area.
    fn overlaid(a: &Polygon<f64>, b: &Polygon<f64>) -> f64 {
        geodesic_area(&MultiPolygon(vec![a.clone()]).intersection(&MultiPolygon(vec![b.clone()])))
    }

    fn assert_close(got: f64, want: f64, what: &str) {
        assert!((got - want).abs() <= 1e-8 * want.max(1.0), "{what}: {got} vs overlay {want}");
    }

    #[test]
    fn crossing_footprints_measure_what_the_overlay_measures() {
        // Jagged stars of 1,000 and 400 vertices, offset so their boundaries cross many times; holes in the zone
        // part every other case, windings mixed. (Jagged, not wild: radii spread a tenth, so edges stay short enough
        // for the fast path's error bound, as on real footprints.)
        let mut rng = Rng(11);
        let mut served = 0;
        for i in 0..40 {
            let c = (113.0 + rng.next(), 33.0 + rng.next());
            let fp = Polygon::new(star(&mut rng, c.0, c.1, 800.0, 880.0, 1000), vec![]);
            let off = (c.0 + (rng.next() - 0.5) * 0.02, c.1 + (rng.next() - 0.5) * 0.02);
            let outer = star(&mut rng, off.0, off.1, 900.0, 1000.0, 400);
            let holes = if i % 2 == 0 { vec![reversed(&star(&mut rng, off.0, off.1, 300.0, 330.0, 50))] } else { vec![] };
            let part = Polygon::new(if i % 3 == 0 { reversed(&outer) } else { outer }, holes);
            let want = overlaid(&fp, &part);
            // A small overlap's error bound may not be small beside it: then the overlay answers (a few cases here).
            let Some(got) = overlap_area(&fp, &part) else { continue };
            served += 1;
            assert!(got.met == (want > 0.0), "{i}: met {} but overlay area {want}", got.met);
            assert_close(got.area_m2, want, &format!("case {i}"));
        }
        assert!(served >= 35, "only {served} of 40 crossing cases took the fast path");
    }

    #[test]
    fn nested_rings_without_crossings_count_whole() {
        let mut rng = Rng(5);
        let c = (113.5, 33.5);
        let small = star(&mut rng, c.0, c.1, 300.0, 400.0, 100);
        let big = star(&mut rng, c.0, c.1, 2000.0, 2500.0, 300);
        let hole = reversed(&star(&mut rng, c.0, c.1, 100.0, 150.0, 40));
        let fp = Polygon::new(small.clone(), vec![]);
        // The footprint inside the part: all of it.
        let part = Polygon::new(big.clone(), vec![]);
        assert_close(overlap_area(&fp, &part).unwrap().area_m2, geodesic_area(&MultiPolygon(vec![fp.clone()])), "footprint inside");
        // The part inside the footprint: all of the part.
        let got = overlap_area(&part, &fp).unwrap();
        assert!(got.met);
        assert_close(got.area_m2, geodesic_area(&MultiPolygon(vec![fp.clone()])), "part inside");
        // A hole of the part inside the footprint is left out.
        let holed = Polygon::new(big, vec![hole.clone()]);
        assert_close(overlap_area(&fp, &holed).unwrap().area_m2, overlaid(&fp, &holed), "hole inside the footprint");
        // The footprint inside the hole: nothing, and the interiors do not meet.
        let in_hole = Polygon::new(star(&mut rng, c.0, c.1, 20.0, 30.0, 12), vec![]);
        assert_eq!(overlap_area(&in_hole, &holed), Some(Shared { area_m2: 0.0, met: false }));
        // Apart.
        let far = Polygon::new(star(&mut rng, 113.6, 33.5, 300.0, 400.0, 100), vec![]);
        assert_eq!(overlap_area(&far, &part), Some(Shared { area_m2: 0.0, met: false }));
    }

    #[test]
    fn touching_or_shared_boundaries_are_left_to_the_overlay() {
        let rect = |x0: f64, y0: f64, x1: f64, y1: f64| Polygon::new(LineString::from(vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]), vec![]);
        // Side by side along a shared edge.
        assert_eq!(overlap_area(&rect(113.0, 33.0, 113.01, 33.01), &rect(113.01, 33.0, 113.02, 33.01)), None);
        // One corner on the other's edge.
        let diamond = Polygon::new(LineString::from(vec![(113.02, 33.005), (113.03, 33.0), (113.04, 33.005), (113.03, 33.01), (113.02, 33.005)]), vec![]);
        assert_eq!(overlap_area(&diamond, &rect(113.01, 33.0, 113.02, 33.01)), None);
        // The same polygon twice.
        assert_eq!(overlap_area(&rect(113.0, 33.0, 113.01, 33.01), &rect(113.0, 33.0, 113.01, 33.01)), None);
    }

    #[test]
    fn a_sliver_too_thin_for_the_error_bound_is_left_to_the_overlay() {
        // Two 1 km squares overlapping by a micrometre strip: the area is tiny beside the rounding bound.
        let sq = |x0: f64| Polygon::new(LineString::from(vec![(x0, 33.0), (x0 + 0.01, 33.0001), (x0 + 0.01, 33.0101), (x0, 33.01), (x0, 33.0)]), vec![]);
        assert_eq!(overlap_area(&sq(113.0), &sq(113.01 - 1e-11)), None);
    }
}
