//! A segment index per polygon part: the idea of tidwall/tg's "ystripes". The part's y-range is cut into horizontal
//! stripes, and each stripe lists the segments (of every ring) whose y-range meets it, in one flat CSR array.
//!
//! Why: a point-in-polygon test by crossing number is O(vertices); a control unit with thousands of fractal vertices
//! (or one 1M-vertex national reserve) makes every lookup pay that. With stripes, a test reads only the few segments
//! of the point's stripe, so its cost stays flat as polygons grow. The same stripes answer "segments near this
//! window" for distances and clipping without copying the polygon.
//!
//! The index stores only `u32` segment numbers: coordinates stay where they are, in the part's own rings (geo keeps
//! each ring as one contiguous `Vec<Coord>`), so memory grows by about 4–8 bytes per vertex, not by a second copy.
//! Queries allocate nothing.
//!
//! Predicates are exact: orientation uses `robust::orient2d` (Shewchuk's adaptive predicate, the one geo uses), and
//! a point on any edge, outer or hole, counts as inside, as `geo`'s `Intersects` does.

use geo::{Coord, LineString, Polygon};

/// Stripes per segment: fewer stripes than segments keeps memory low while a stripe holds a handful of segments.
const SEGMENTS_PER_STRIPE: usize = 2;
/// Upper bound on the average number of stripes one segment is listed in (memory: 4 bytes each).
const MAX_ENTRIES_PER_SEGMENT: f64 = 3.0;

#[derive(Debug, Clone)]
pub struct SegIndex {
    y0: f64,
    y1: f64,
    /// Stripes per degree of latitude (0 when the part has no height).
    inv_h: f64,
    stripes: u32,
    /// `segs[starts[s]..starts[s + 1]]` are the segments of stripe `s`.
    starts: Vec<u32>,
    segs: Vec<u32>,
    /// Global number of each ring's first segment; one more entry closes the last ring.
    ring_starts: Vec<u32>,
    /// Bounding box `[x0, y0, x1, y1]` of each run of `CHUNK` consecutive segments (global numbering): a nearest-edge
    /// search skips whole runs that cannot hold a nearer edge, in the walk's own order.
    chunks: Vec<[f64; 4]>,
}

/// Segments per chunk box (memory: 32 bytes per chunk, about 1 byte per vertex).
pub const CHUNK: usize = 32;

fn ring(poly: &Polygon<f64>, r: usize) -> &LineString<f64> {
    if r == 0 {
        poly.exterior()
    } else {
        &poly.interiors()[r - 1]
    }
}

fn minmax(a: f64, b: f64) -> (f64, f64) {
    if a <= b {
        (a, b)
    } else {
        (b, a)
    }
}

impl SegIndex {
    pub fn new(poly: &Polygon<f64>) -> SegIndex {
        let rings = 1 + poly.interiors().len();
        let mut ring_starts = Vec::with_capacity(rings + 1);
        let mut total = 0u32;
        let (mut y0, mut y1) = (f64::INFINITY, f64::NEG_INFINITY);
        for r in 0..rings {
            ring_starts.push(total);
            let l = ring(poly, r);
            total += l.0.len().saturating_sub(1) as u32;
            for c in &l.0 {
                y0 = y0.min(c.y);
                y1 = y1.max(c.y);
            }
        }
        ring_starts.push(total);
        let n = total as usize;
        if n == 0 || !y0.is_finite() {
            return SegIndex { y0: 0.0, y1: -1.0, inv_h: 0.0, stripes: 1, starts: vec![0, 0], segs: vec![], ring_starts, chunks: vec![] };
        }
        // Segments spanning many stripes are listed in each: bound the total at about MAX_ENTRIES_PER_SEGMENT
        // entries per segment, so a spiky or mostly vertical polygon cannot blow the index up.
        let mut span = 0.0;
        for r in 0..rings {
            for w in ring(poly, r).0.windows(2) {
                span += (w[1].y - w[0].y).abs();
            }
        }
        let height = y1 - y0;
        let by_span = if span > 0.0 { MAX_ENTRIES_PER_SEGMENT * n as f64 * height / span } else { n as f64 };
        let stripes = ((n / SEGMENTS_PER_STRIPE) as f64).min(by_span).clamp(1.0, (1 << 22) as f64) as usize;
        let inv_h = if y1 > y0 { stripes as f64 / (y1 - y0) } else { 0.0 };
        let last = stripes as isize - 1;
        let stripe_of = |y: f64| (((y - y0) * inv_h) as isize).clamp(0, last) as usize;
        let each_segment = |f: &mut dyn FnMut(u32, usize, usize)| {
            for r in 0..rings {
                let base = ring_starts[r];
                for (k, w) in ring(poly, r).0.windows(2).enumerate() {
                    let (lo, hi) = minmax(w[0].y, w[1].y);
                    f(base + k as u32, stripe_of(lo), stripe_of(hi));
                }
            }
        };
        // Counting pass, then fill (CSR): two passes over the coordinates, no per-stripe vectors.
        let mut starts = vec![0u32; stripes + 1];
        each_segment(&mut |_, s0, s1| {
            for s in s0..=s1 {
                starts[s + 1] += 1;
            }
        });
        for s in 0..stripes {
            starts[s + 1] += starts[s];
        }
        let mut fill = starts.clone();
        let mut segs = vec![0u32; starts[stripes] as usize];
        each_segment(&mut |g, s0, s1| {
            for s in s0..=s1 {
                segs[fill[s] as usize] = g;
                fill[s] += 1;
            }
        });
        let mut idx = SegIndex { y0, y1, inv_h, stripes: stripes as u32, starts, segs, ring_starts, chunks: vec![] };
        idx.chunks = (0..n.div_ceil(CHUNK))
            .map(|c| {
                let mut b = [f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY];
                for g in c * CHUNK..((c + 1) * CHUNK).min(n) {
                    let (a, e) = idx.segment(poly, g as u32);
                    b = [b[0].min(a.x).min(e.x), b[1].min(a.y).min(e.y), b[2].max(a.x).max(e.x), b[3].max(a.y).max(e.y)];
                }
                b
            })
            .collect();
        idx
    }

    /// Every segment in ring order (outer ring first), the order a walk over the rings meets them, skipping each run
    /// of [`CHUNK`] segments whose bounding box `visit` refuses: a nearest-edge search in the walk's order that
    /// reads only the runs near the query.
    pub fn segments_pruned(&self, poly: &Polygon<f64>, mut visit: impl FnMut(&[f64; 4]) -> bool, mut f: impl FnMut(Coord<f64>, Coord<f64>)) {
        let n = *self.ring_starts.last().unwrap_or(&0) as usize;
        for (c, b) in self.chunks.iter().enumerate() {
            if !visit(b) {
                continue;
            }
            for g in c * CHUNK..((c + 1) * CHUNK).min(n) {
                let (a, e) = self.segment(poly, g as u32);
                f(a, e);
            }
        }
    }

    /// Heap bytes of the index (for memory reports).
    pub fn heap_bytes(&self) -> usize {
        4 * (self.starts.capacity() + self.segs.capacity() + self.ring_starts.capacity()) + 32 * self.chunks.capacity()
    }

    fn stripe(&self, y: f64) -> usize {
        let s = ((y - self.y0) * self.inv_h) as isize;
        s.clamp(0, self.stripes as isize - 1) as usize
    }

    #[inline]
    fn segment(&self, poly: &Polygon<f64>, g: u32) -> (Coord<f64>, Coord<f64>) {
        // Almost every part has one or two rings: a short linear search beats a binary one.
        let r = if self.ring_starts.len() <= 3 {
            usize::from(self.ring_starts.len() == 3 && g >= self.ring_starts[1])
        } else {
            self.ring_starts.partition_point(|&s| s <= g) - 1
        };
        let k = (g - self.ring_starts[r]) as usize;
        let c = &ring(poly, r).0;
        (c[k], c[k + 1])
    }

    /// Point in polygon, boundary included (any ring's edge counts as inside). `poly` must be the polygon the index
    /// was built from.
    pub fn covers(&self, poly: &Polygon<f64>, p: Coord<f64>) -> bool {
        if !(p.y >= self.y0 && p.y <= self.y1) {
            return false;
        }
        let s = self.stripe(p.y);
        let mut inside = false;
        for &g in &self.segs[self.starts[s] as usize..self.starts[s + 1] as usize] {
            let (a, b) = self.segment(poly, g);
            let (ylo, yhi) = minmax(a.y, b.y);
            if p.y < ylo || p.y > yhi {
                continue;
            }
            let (xlo, xhi) = minmax(a.x, b.x);
            if p.x > xhi {
                continue; // wholly to the left: neither crossed by the ray to +x nor touching the point
            }
            let spans = (a.y > p.y) != (b.y > p.y);
            if p.x < xlo {
                inside ^= spans; // wholly to the right: crossed iff it spans the ray (half-open rule)
                continue;
            }
            let o = robust::orient2d(
                robust::Coord { x: a.x, y: a.y },
                robust::Coord { x: b.x, y: b.y },
                robust::Coord { x: p.x, y: p.y },
            );
            if o == 0.0 {
                return true; // collinear and within the segment's box: on the edge
            }
            if spans && ((o > 0.0) == (b.y > a.y)) {
                inside = !inside;
            }
        }
        inside
    }

    /// Calls `f` once for every segment whose bounding box meets the rectangle `[x0, y0, x1, y1]`.
    pub fn segments_in(&self, poly: &Polygon<f64>, rect: [f64; 4], mut f: impl FnMut(Coord<f64>, Coord<f64>)) {
        self.numbered_segments_in(poly, rect, |_, a, b| f(a, b));
    }

    /// [`SegIndex::segments_in`] with each segment's number: rings in order (outer first), then the segment's position
    /// in its ring — the order a walk over the rings meets it, for callers that must break ties as such a walk does.
    pub fn numbered_segments_in(&self, poly: &Polygon<f64>, [x0, y0, x1, y1]: [f64; 4], mut f: impl FnMut(u32, Coord<f64>, Coord<f64>)) {
        if y1 < self.y0 || y0 > self.y1 || self.segs.is_empty() {
            return;
        }
        let (s0, s1) = (self.stripe(y0), self.stripe(y1));
        for s in s0..=s1 {
            for &g in &self.segs[self.starts[s] as usize..self.starts[s + 1] as usize] {
                let (a, b) = self.segment(poly, g);
                let (ylo, yhi) = minmax(a.y, b.y);
                // A segment spanning several stripes is reported from the first of them the query visits.
                if self.stripe(ylo).max(s0) != s {
                    continue;
                }
                let (xlo, xhi) = minmax(a.x, b.x);
                if xhi < x0 || xlo > x1 || yhi < y0 || ylo > y1 {
                    continue;
                }
                f(g, a, b);
            }
        }
    }

    /// Whether any segment's bounding box meets the rectangle (stops at the first).
    pub fn any_segment_in(&self, poly: &Polygon<f64>, rect: [f64; 4]) -> bool {
        let mut found = false;
        // segments_in has no early exit; the check below keeps the work small once found.
        self.segments_in(poly, rect, |_, _| found = true);
        found
    }
}

/// Squared distance from `p` to the segment `a`–`b` (plain floating point, in whatever planar frame they are in).
#[inline]
pub fn point_segment_dist2(p: Coord<f64>, a: Coord<f64>, b: Coord<f64>) -> f64 {
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 { (((p.x - a.x) * dx + (p.y - a.y) * dy) / len2).clamp(0.0, 1.0) } else { 0.0 };
    let (qx, qy) = (a.x + t * dx - p.x, a.y + t * dy - p.y);
    qx * qx + qy * qy
}

/// Squared distance between two segments (0 when they cross).
pub fn segment_segment_dist2(a: Coord<f64>, b: Coord<f64>, c: Coord<f64>, d: Coord<f64>) -> f64 {
    let o = |p: Coord<f64>, q: Coord<f64>, r: Coord<f64>| (q.x - p.x) * (r.y - p.y) - (q.y - p.y) * (r.x - p.x);
    let (o1, o2, o3, o4) = (o(a, b, c), o(a, b, d), o(c, d, a), o(c, d, b));
    if ((o1 > 0.0 && o2 < 0.0) || (o1 < 0.0 && o2 > 0.0)) && ((o3 > 0.0 && o4 < 0.0) || (o3 < 0.0 && o4 > 0.0)) {
        return 0.0;
    }
    point_segment_dist2(a, c, d).min(point_segment_dist2(b, c, d)).min(point_segment_dist2(c, a, b)).min(point_segment_dist2(d, a, b))
}

/// Sutherland–Hodgman clip of a closed ring to an axis-aligned rectangle. The result may carry zero-width bridges
/// along the rectangle's edges where a concave ring left and re-entered it; callers keep those outside what they
/// measure by growing the rectangle slightly beyond the query geometry. Fewer than 4 points: nothing left.
pub fn clip_ring(ring: &[Coord<f64>], [x0, y0, x1, y1]: [f64; 4]) -> Vec<Coord<f64>> {
    let mut pts: Vec<Coord<f64>> = ring.to_vec();
    if pts.len() > 1 && pts.first() == pts.last() {
        pts.pop();
    }
    // inside(c), intersection of segment with the edge line
    let edges: [(u8, f64); 4] = [(0, x0), (1, x1), (2, y0), (3, y1)];
    let mut out = Vec::with_capacity(pts.len());
    for (kind, v) in edges {
        if pts.is_empty() {
            break;
        }
        out.clear();
        let inside = |c: &Coord<f64>| match kind {
            0 => c.x >= v,
            1 => c.x <= v,
            2 => c.y >= v,
            _ => c.y <= v,
        };
        let cut = |a: &Coord<f64>, b: &Coord<f64>| -> Coord<f64> {
            if kind < 2 {
                let t = (v - a.x) / (b.x - a.x);
                Coord { x: v, y: a.y + t * (b.y - a.y) }
            } else {
                let t = (v - a.y) / (b.y - a.y);
                Coord { x: a.x + t * (b.x - a.x), y: v }
            }
        };
        let mut prev = pts[pts.len() - 1];
        let mut prev_in = inside(&prev);
        for c in &pts {
            let c_in = inside(c);
            if c_in {
                if !prev_in {
                    out.push(cut(&prev, c));
                }
                out.push(*c);
            } else if prev_in {
                out.push(cut(&prev, c));
            }
            prev = *c;
            prev_in = c_in;
        }
        std::mem::swap(&mut pts, &mut out);
    }
    if pts.len() < 3 {
        return vec![];
    }
    pts.push(pts[0]);
    pts
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{polygon, Intersects, Point};

    fn star(n: usize, holes: bool) -> Polygon<f64> {
        let ring = |r0: f64, n: usize| -> LineString<f64> {
            let mut v: Vec<(f64, f64)> = (0..n)
                .map(|k| {
                    let t = k as f64 / n as f64 * std::f64::consts::TAU;
                    let r = r0 * (1.0 + 0.3 * (7.0 * t).sin() + 0.1 * (31.0 * t).cos());
                    (113.0 + r * t.cos(), 33.0 + r * t.sin())
                })
                .collect();
            v.push(v[0]);
            LineString::from(v)
        };
        Polygon::new(ring(0.1, n), if holes { vec![ring(0.02, 40)] } else { vec![] })
    }

    #[test]
    fn agrees_with_geo_on_random_points_vertices_and_edges() {
        for (n, holes) in [(5, false), (64, true), (1000, true)] {
            let poly = star(n, holes);
            let idx = SegIndex::new(&poly);
            let mut s: u64 = 7;
            let mut next = || {
                s = s.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                (s >> 11) as f64 / (1u64 << 53) as f64
            };
            for _ in 0..5_000 {
                let p = Coord { x: 112.85 + 0.3 * next(), y: 32.85 + 0.3 * next() };
                assert_eq!(idx.covers(&poly, p), poly.intersects(&Point(p)), "{p:?} n={n}");
            }
            // Every vertex and every edge midpoint is on the boundary: inside.
            for l in std::iter::once(poly.exterior()).chain(poly.interiors()) {
                for w in l.0.windows(2) {
                    assert!(idx.covers(&poly, w[0]));
                    let mid = Coord { x: (w[0].x + w[1].x) / 2.0, y: (w[0].y + w[1].y) / 2.0 };
                    assert_eq!(idx.covers(&poly, mid), poly.intersects(&Point(mid)), "{mid:?}");
                }
            }
        }
    }

    #[test]
    fn axis_aligned_edges_and_the_top_vertex_count_as_inside() {
        let sq = polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 1.0), (x: 0.0, y: 0.0)];
        let idx = SegIndex::new(&sq);
        for (x, y, inside) in [(0.5, 1.0, true), (0.5, 0.0, true), (1.0, 0.5, true), (1.0, 1.0, true), (0.0, 0.0, true), (0.5, 0.5, true), (1.5, 0.5, false), (0.5, 1.0001, false), (-0.1, 1.0, false)] {
            assert_eq!(idx.covers(&sq, Coord { x, y }), inside, "({x}, {y})");
        }
    }

    #[test]
    fn a_spiky_polygon_keeps_a_small_index() {
        // 100k vertices whose segments each span a large share of the height.
        let n = 100_000;
        let mut v: Vec<(f64, f64)> = (0..n)
            .map(|k| {
                let t = k as f64 / n as f64 * std::f64::consts::TAU;
                let r = 1.0 + 0.2 * if k % 2 == 0 { 1.0 } else { -1.0 };
                (r * t.cos(), r * t.sin())
            })
            .collect();
        v.push(v[0]);
        let poly = Polygon::new(LineString::from(v), vec![]);
        let idx = SegIndex::new(&poly);
        assert!(idx.segs.len() <= 5 * n, "{} entries", idx.segs.len());
        assert!(idx.covers(&poly, Coord { x: 0.0, y: 0.0 }));
        assert!(!idx.covers(&poly, Coord { x: 1.5, y: 0.0 }));
    }

    #[test]
    fn segments_in_reports_each_segment_once() {
        let poly = star(1000, true);
        let idx = SegIndex::new(&poly);
        let mut n = 0;
        idx.segments_in(&poly, [0.0, 0.0, 200.0, 200.0], |_, _| n += 1);
        assert_eq!(n, 1000 + 40);
    }

    #[test]
    fn clipping_a_ring_to_a_box_keeps_the_inside() {
        let sq: Vec<Coord<f64>> = vec![(0.0, 0.0).into(), (4.0, 0.0).into(), (4.0, 4.0).into(), (0.0, 4.0).into(), (0.0, 0.0).into()];
        let c = clip_ring(&sq, [1.0, 1.0, 2.0, 5.0]);
        let area: f64 = c.windows(2).map(|w| w[0].x * w[1].y - w[1].x * w[0].y).sum::<f64>() / 2.0;
        assert!((area.abs() - 3.0).abs() < 1e-12, "{area}");
        assert!(clip_ring(&sq, [5.0, 5.0, 6.0, 6.0]).is_empty());
    }
}
