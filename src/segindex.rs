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
//! A coarse cell grid over the part's box (up to 64 × 64 cells, 2 bits each: outside / inside / boundary) answers
//! most point tests with one read; only a point in a boundary cell reads its stripe.
//!
//! Predicates are exact: orientation uses `robust::orient2d` (Shewchuk's adaptive predicate, the one geo uses), and
//! a point on any edge, outer or hole, counts as inside, as `geo`'s `Intersects` does.

use geo::{Coord, LineString, Polygon};

/// Segments per stripe: fewer stripes than segments keeps memory low while a stripe holds a handful of segments. Three
/// (was two) pays for the proximity search's group boxes at load: henan's peak RSS is held under 2.5× its raw
/// coordinates, for a few more segments read by a stripe test in a boundary cell.
const SEGMENTS_PER_STRIPE: usize = 3;
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
    chunks: Vec<Box32>,
    /// Bounding box of each group of [`GROUP`] consecutive runs: a point's nearest-edge search reads these first and
    /// takes the run boxes of only the groups that can hold a nearer edge (a 2,000-vertex part has 125 runs but 16
    /// groups), at 1/8 of the run boxes' memory.
    groups: Vec<Box32>,
    /// Coarse cell grid over the part's box: most points are answered by one 2-bit read.
    grid: Grid,
}

/// Segments per chunk box (memory: 16 bytes per chunk, about 1 byte per vertex). A point's nearest-edge search reads
/// one or two runs of each part near it; at 16 segments a run's coordinates are 5 cache lines (at 32, 9: 11 % more
/// last-level misses per henan point in callgrind's cache model, for the same instructions).
pub const CHUNK: usize = 16;
/// Runs (chunks) per group box (memory: 16 bytes per 128 segments, 1/8 byte per vertex).
pub const GROUP: usize = 8;

/// A box `[x0, y0, x1, y1]` in single precision, rounded outward, so it holds the double-precision box it was made
/// from: run and group boxes only bound what a search may skip (a lower bound of the distance to the run's segments,
/// an upper bound to its farthest point), and a box a metre larger bounds as well. Half the memory and half the
/// cache lines of `[f64; 4]`; [`widen`] gives it back in the precision the arithmetic uses.
pub type Box32 = [f32; 4];

/// `b` rounded outward to single precision (see [`Box32`]).
fn narrow(b: [f64; 4]) -> Box32 {
    let down = |v: f64| {
        let f = v as f32;
        if f as f64 > v { f.next_down() } else { f }
    };
    let up = |v: f64| {
        let f = v as f32;
        if (f as f64) < v { f.next_up() } else { f }
    };
    [down(b[0]), down(b[1]), up(b[2]), up(b[3])]
}

/// A [`Box32`] in double precision (exact: every `f32` is an `f64`).
#[inline]
pub fn widen(b: &Box32) -> [f64; 4] {
    b.map(f64::from)
}

fn ring(poly: &Polygon<f64>, r: usize) -> &LineString<f64> {
    if r == 0 {
        poly.exterior()
    } else {
        &poly.interiors()[r - 1]
    }
}

pub(crate) fn union2(a: [f64; 4], b: [f64; 4]) -> [f64; 4] {
    [a[0].min(b[0]), a[1].min(b[1]), a[2].max(b[2]), a[3].max(b[3])]
}

/// The box holding every box of a non-empty slice.
pub(crate) fn union_of(boxes: &[[f64; 4]]) -> [f64; 4] {
    boxes.iter().copied().fold([f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY], union2)
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
            return SegIndex {
                y0: 0.0,
                y1: -1.0,
                inv_h: 0.0,
                stripes: 1,
                starts: vec![0, 0],
                segs: vec![],
                ring_starts,
                chunks: vec![],
                groups: vec![],
                grid: Grid::none(),
            };
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
        let mut idx =
            SegIndex { y0, y1, inv_h, stripes: stripes as u32, starts, segs, ring_starts, chunks: vec![], groups: vec![], grid: Grid::none() };
        let chunks: Vec<[f64; 4]> = (0..n.div_ceil(CHUNK))
            .map(|c| {
                let mut b = [f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY];
                for g in c * CHUNK..((c + 1) * CHUNK).min(n) {
                    let (a, e) = idx.segment(poly, g as u32);
                    b = [b[0].min(a.x).min(e.x), b[1].min(a.y).min(e.y), b[2].max(a.x).max(e.x), b[3].max(a.y).max(e.y)];
                }
                b
            })
            .collect();
        // The grid spans the exact box of the part, the union of the double-precision run boxes.
        idx.grid = chunks.iter().copied().reduce(union2).map_or_else(Grid::none, |extent| Grid::build(&idx, poly, extent));
        idx.groups = chunks.chunks(GROUP).map(|g| narrow(union_of(g))).collect();
        idx.chunks = chunks.into_iter().map(narrow).collect();
        idx
    }

    /// The box `[x0, y0, x1, y1]` of each run of [`CHUNK`] segments, in segment order.
    pub fn run_boxes(&self) -> &[Box32] {
        &self.chunks
    }

    /// The box of each group of [`GROUP`] runs: group `k` holds runs `k * GROUP..(k + 1) * GROUP`.
    pub fn group_boxes(&self) -> &[Box32] {
        &self.groups
    }

    /// Asks for the fields a nearest-edge search reads first (its box lists and ring starts), without reading them:
    /// see [`crate::prefetch`].
    pub fn prefetch_header(&self) {
        crate::prefetch::prefetch(std::ptr::addr_of!(self.chunks));
        crate::prefetch::prefetch(std::ptr::addr_of!(self.groups));
        crate::prefetch::prefetch(std::ptr::addr_of!(self.ring_starts));
    }

    /// Asks for what choosing a run and finding its coordinates reads (group boxes, the first `max_runs` run boxes,
    /// the ring starts), once the header is at hand: see [`crate::prefetch`].
    pub fn prefetch_search_data(&self, max_runs: usize) {
        use crate::prefetch::prefetch;
        // Four boxes, or sixteen ring starts, to a 64-byte line.
        self.groups.iter().take(max_runs / GROUP).step_by(4).for_each(|b| prefetch(b));
        self.chunks.iter().take(max_runs).step_by(4).for_each(|b| prefetch(b));
        prefetch(self.ring_starts.as_ptr());
    }

    /// Calls `f(g, vertices)` for each ring's stretch of run `c`, in order: the segments are `vertices.windows(2)`,
    /// the first numbered `g` (a run may end one ring and start the next). Whole slices rather than one call per
    /// segment, so a caller can take every segment of a stretch in one pass.
    #[inline]
    pub fn run_slices<'p>(&self, poly: &'p Polygon<f64>, c: usize, mut f: impl FnMut(usize, &'p [Coord<f64>])) {
        let n = *self.ring_starts.last().unwrap_or(&0) as usize;
        let (mut g, end) = (c * CHUNK, ((c + 1) * CHUNK).min(n));
        while g < end {
            // The ring holding segment g, and where it ends.
            let r = self.ring_starts.partition_point(|&s| s as usize <= g) - 1;
            let (base, stop) = (self.ring_starts[r] as usize, (self.ring_starts[r + 1] as usize).min(end));
            f(g, &ring(poly, r).0[g - base..=stop - base]);
            g = stop;
        }
    }

    /// Heap bytes of the index (for memory reports).
    pub fn heap_bytes(&self) -> usize {
        4 * (self.starts.capacity() + self.segs.capacity() + self.ring_starts.capacity())
            + std::mem::size_of::<Box32>() * (self.chunks.capacity() + self.groups.capacity())
            + self.grid.cells.capacity()
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
        match self.grid.at(p) {
            OUTSIDE => false,
            INSIDE => true,
            _ => self.stripe_covers(poly, p),
        }
    }

    /// [`SegIndex::covers`] by the stripe alone (the grid's boundary cells, and the grid's own construction).
    fn stripe_covers(&self, poly: &Polygon<f64>, p: Coord<f64>) -> bool {
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

    /// Whether the rectangle `[x0, y0, x1, y1]` lies in one cell of the part's grid that no edge comes near: then no
    /// edge meets it, without reading a segment. `false` says nothing (the rectangle spans cells, a boundary cell, or
    /// leaves the grid). A point's boundary-distance check asks this first: most points of a control unit lie in a
    /// cell the boundary does not cross, and reading the stripe's segments there costs a few cache misses each.
    pub fn edges_clear_of(&self, rect: [f64; 4]) -> bool {
        self.grid.one_clear_cell(rect)
    }

    /// Whether any segment's bounding box meets the rectangle (stops at the first).
    pub fn any_segment_in(&self, poly: &Polygon<f64>, rect: [f64; 4]) -> bool {
        let mut found = false;
        // segments_in has no early exit; the check below keeps the work small once found.
        self.segments_in(poly, rect, |_, _| found = true);
        found
    }
}

/// Cell states of a [`Grid`], two bits each.
const OUTSIDE: u8 = 0;
const INSIDE: u8 = 1;
const BOUNDARY: u8 = 2;
/// Cells per segment the grid may use (2 bits each: a quarter of a byte per cell), and the most per side.
const CELLS_PER_SEGMENT: usize = 2;
const MAX_CELLS_PER_SIDE: usize = 64;
/// How close (in cells) a segment must come to a cell for the cell to count as boundary. Cell coordinates carry
/// rounding errors near 1e-13 cells (cells are never narrower than [`MIN_CELL`] times the coordinates' magnitude), so
/// a point whose computed cell is `c` truly lies within `c` grown by far less than this margin.
const MARGIN: f64 = 1e-3;
const MIN_CELL: f64 = 1e-8;

/// A coarse grid over a part's bounding box (up to 64 × 64 cells, about two per segment), each cell marked outside,
/// inside or boundary. A cell is boundary when any segment of any ring comes within [`MARGIN`] of it, so every
/// other cell, grown by the margin, holds no boundary point and has one state throughout: the state of its centre,
/// found at load by the exact stripe test. A lookup then reads one cell, and runs the stripe test only in boundary
/// cells. States are exact, not approximate: a point on an edge is always in a boundary cell.
#[derive(Debug, Clone)]
struct Grid {
    x0: f64,
    y0: f64,
    x1: f64,
    /// Cells per degree in x and y.
    inv_w: f64,
    inv_h: f64,
    nx: u32,
    ny: u32,
    /// Row-major, four cells per byte (cell `k` in bits `2 * (k % 4)`).
    cells: Vec<u8>,
}

impl Grid {
    fn none() -> Grid {
        Grid { x0: 0.0, y0: 0.0, x1: -1.0, inv_w: 0.0, inv_h: 0.0, nx: 0, ny: 0, cells: vec![] }
    }

    /// The state of the cell holding `p` (`p.y` within the part's y-range), or BOUNDARY without a grid.
    #[inline]
    fn at(&self, p: Coord<f64>) -> u8 {
        if self.nx == 0 {
            return BOUNDARY;
        }
        if !(p.x >= self.x0 && p.x <= self.x1) {
            return OUTSIDE;
        }
        let cx = (((p.x - self.x0) * self.inv_w) as usize).min(self.nx as usize - 1);
        let cy = (((p.y - self.y0) * self.inv_h) as usize).min(self.ny as usize - 1);
        let k = cy * self.nx as usize + cx;
        (self.cells[k >> 2] >> (2 * (k & 3))) & 3
    }

    /// Whether `[x0, y0, x1, y1]` lies in one non-boundary cell. The corners' cell coordinates are computed as
    /// [`Grid::at`] computes a point's, with errors far below [`MARGIN`]; no edge comes within `MARGIN` of such a
    /// cell, so none meets the rectangle.
    fn one_clear_cell(&self, [x0, y0, x1, y1]: [f64; 4]) -> bool {
        if self.nx == 0 {
            return false;
        }
        let (ax, bx) = ((x0 - self.x0) * self.inv_w, (x1 - self.x0) * self.inv_w);
        let (ay, by) = ((y0 - self.y0) * self.inv_h, (y1 - self.y0) * self.inv_h);
        if !(ax >= 0.0 && ay >= 0.0 && bx < self.nx as f64 && by < self.ny as f64) {
            return false;
        }
        let (cx, cy) = (ax as usize, ay as usize);
        cx == bx as usize && cy == by as usize && self.get(cy * self.nx as usize + cx) != BOUNDARY
    }

    fn set(&mut self, k: usize, v: u8) {
        let b = &mut self.cells[k >> 2];
        *b = (*b & !(3 << (2 * (k & 3)))) | (v << (2 * (k & 3)));
    }

    fn get(&self, k: usize) -> u8 {
        (self.cells[k >> 2] >> (2 * (k & 3))) & 3
    }

    /// The grid of a part whose segments span `b`.
    fn build(idx: &SegIndex, poly: &Polygon<f64>, b: [f64; 4]) -> Grid {
        let n = *idx.ring_starts.last().unwrap_or(&0) as usize;
        let (w, h) = (b[2] - b[0], b[3] - b[1]);
        let scale = b.iter().fold(1.0f64, |m, v| m.max(v.abs()));
        if !(w > MIN_CELL * scale && h > MIN_CELL * scale) || n < 4 {
            return Grid::none();
        }
        // About CELLS_PER_SEGMENT cells per segment, shaped like the box, at most MAX_CELLS_PER_SIDE a side and
        // never narrower than MIN_CELL times the coordinates.
        let cells = (CELLS_PER_SEGMENT * n) as f64;
        let side = |a: f64, o: f64| ((cells * a / o).sqrt().round().clamp(1.0, MAX_CELLS_PER_SIDE as f64)).min((a / (MIN_CELL * scale)).floor()).max(1.0);
        let (nx, ny) = (side(w, h) as usize, side(h, w) as usize);
        let mut g = Grid {
            x0: b[0],
            y0: b[1],
            x1: b[2],
            inv_w: nx as f64 / w,
            inv_h: ny as f64 / h,
            nx: nx as u32,
            ny: ny as u32,
            cells: vec![0u8; (nx * ny).div_ceil(4)],
        };
        // Boundary cells: every cell that a segment, in cell coordinates, comes within MARGIN of.
        let last_x = nx as f64 - 1.0;
        let last_y = ny as f64 - 1.0;
        let cell = |v: f64, last: f64| v.floor().clamp(0.0, last) as usize;
        for r in 0..=idx.ring_starts.len().saturating_sub(2) {
            for w in ring(poly, r).0.windows(2) {
                let (ax, ay) = ((w[0].x - g.x0) * g.inv_w, (w[0].y - g.y0) * g.inv_h);
                let (bx, by) = ((w[1].x - g.x0) * g.inv_w, (w[1].y - g.y0) * g.inv_h);
                let (ylo, yhi) = minmax(ay, by);
                for row in cell(ylo - MARGIN, last_y)..=cell(yhi + MARGIN, last_y) {
                    // The segment's x-range within the row's band, grown by the margin.
                    let (lo, hi) = ((row as f64 - MARGIN).max(ylo), (row as f64 + 1.0 + MARGIN).min(yhi));
                    let x_at = |y: f64| if by == ay { ax } else { ax + ((y - ay) / (by - ay)).clamp(0.0, 1.0) * (bx - ax) };
                    let (xa, xb) = if by == ay { minmax(ax, bx) } else { minmax(x_at(lo), x_at(hi)) };
                    for c in cell(xa - MARGIN, last_x)..=cell(xb + MARGIN, last_x) {
                        g.set(row * nx + c, BOUNDARY);
                    }
                }
            }
        }
        // Every other cell: runs of non-boundary cells along a row share one state (their union is connected and
        // holds no boundary point), that of the first cell's centre.
        for row in 0..ny {
            let mut state = None;
            for c in 0..nx {
                let k = row * nx + c;
                if g.get(k) == BOUNDARY {
                    state = None;
                    continue;
                }
                let s = *state.get_or_insert_with(|| {
                    let centre = Coord { x: g.x0 + (c as f64 + 0.5) / g.inv_w, y: g.y0 + (row as f64 + 0.5) / g.inv_h };
                    if idx.stripe_covers(poly, centre) {
                        INSIDE
                    } else {
                        OUTSIDE
                    }
                });
                g.set(k, s);
            }
        }
        g
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
    use geo::{polygon, BoundingRect, Intersects, Point};
    use std::f64::consts::TAU;

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
    fn a_rectangle_in_a_clear_cell_meets_no_edge() {
        let poly = star(2_000, true);
        let idx = SegIndex::new(&poly);
        let mut rng = Lcg(11);
        let edges: Vec<geo::Line<f64>> = std::iter::once(poly.exterior()).chain(poly.interiors()).flat_map(|r| r.lines()).collect();
        let (mut clear, mut spanning) = (0, 0);
        for _ in 0..20_000 {
            let (x, y) = (112.85 + 0.3 * rng.next(), 32.85 + 0.3 * rng.next());
            let r = 1e-5 + 2e-3 * rng.next();
            let rect = geo::Rect::new(Coord { x: x - r, y: y - r }, Coord { x: x + r, y: y + r });
            let met = edges.iter().any(|e| e.intersects(&rect));
            if idx.edges_clear_of([x - r, y - r, x + r, y + r]) {
                assert!(!met, "{rect:?} is said clear but an edge meets it");
                clear += 1;
            } else if met {
                spanning += 1;
            }
        }
        // Both answers occur: a grid that never said "clear" would fail here instead of passing the loop unnoticed.
        assert!(clear > 2_000 && spanning > 500, "clear {clear}, met {spanning}");
        // A rectangle across a cell border is never said clear, nor one beyond the grid.
        let g = &idx.grid;
        let (bx, by) = (g.x0 + 10.5 / g.inv_w, g.y0 + 10.0 / g.inv_h);
        assert!(!idx.edges_clear_of([bx - 1e-6, by - 1e-6, bx + 1e-6, by + 1e-6]));
        assert!(!idx.edges_clear_of([g.x1 + 1.0, 0.0, g.x1 + 2.0, 1.0]));
    }

    #[test]
    fn single_precision_boxes_hold_the_double_precision_ones() {
        let mut rng = Lcg(5);
        for _ in 0..100_000 {
            let (x, y) = (-180.0 + 360.0 * rng.next(), -90.0 + 180.0 * rng.next());
            let b = [x, y, x + 1e-3 * rng.next(), y + 1e-7 * rng.next()];
            let w = widen(&narrow(b));
            assert!(w[0] <= b[0] && w[1] <= b[1] && w[2] >= b[2] && w[3] >= b[3], "{b:?} -> {w:?}");
            // Outward by at most one single-precision step (≈ 1e-5 degrees at 180°).
            assert!(b.iter().zip(w).all(|(v, w)| (v - w).abs() <= 2.0 * (v.abs() as f32 * f32::EPSILON) as f64), "{b:?} -> {w:?}");
        }
        // Exact values stay as they are; empty boxes stay empty.
        assert_eq!(widen(&narrow([113.5, 33.25, 114.0, 34.0])), [113.5, 33.25, 114.0, 34.0]);
        let empty = [f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY];
        assert_eq!(widen(&narrow(empty)), empty);
    }

    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self) -> f64 {
            self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (self.0 >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    /// Compares `covers` with geo's `Intersects` on random points of the part's box (and a little beyond), on every
    /// cell border and cell corner of its grid, on the vertices and edge midpoints of every ring, and on points of
    /// each cell's border lines where the rings cross them.
    fn check_against_geo(poly: &Polygon<f64>, seed: u64, random: usize) -> usize {
        let idx = SegIndex::new(poly);
        let g = &idx.grid;
        let mut rng = Lcg(seed);
        let mut boundary_cells = 0;
        let check = |p: Coord<f64>| assert_eq!(idx.covers(poly, p), poly.intersects(&Point(p)), "{p:?}");
        let Some(b) = poly.bounding_rect() else { return 0 };
        let (w, h) = (b.width(), b.height());
        for _ in 0..random {
            check(Coord { x: b.min().x - 0.05 * w + 1.1 * w * rng.next(), y: b.min().y - 0.05 * h + 1.1 * h * rng.next() });
        }
        if g.nx > 0 {
            for k in 0..(g.nx * g.ny) as usize {
                boundary_cells += usize::from(g.get(k) == BOUNDARY);
            }
            // Cell borders, exactly as the grid computes them, and their float neighbours.
            let xs: Vec<f64> = (0..=g.nx).map(|c| g.x0 + c as f64 / g.inv_w).collect();
            let ys: Vec<f64> = (0..=g.ny).map(|r| g.y0 + r as f64 / g.inv_h).collect();
            for (i, &x) in xs.iter().enumerate() {
                for (j, &y) in ys.iter().enumerate() {
                    check(Coord { x, y });
                    if (i + j) % 5 == 0 {
                        for (dx, dy) in [(1e-15, 0.0), (-1e-15, 0.0), (0.0, 1e-15), (0.0, -1e-15)] {
                            check(Coord { x: x + dx * x.abs(), y: y + dy * y.abs() });
                        }
                    }
                }
                for _ in 0..4 {
                    check(Coord { x, y: b.min().y + h * rng.next() });
                }
            }
            for &y in &ys {
                for _ in 0..4 {
                    check(Coord { x: b.min().x + w * rng.next(), y });
                }
            }
        }
        for l in std::iter::once(poly.exterior()).chain(poly.interiors()) {
            for wdw in l.0.windows(2) {
                check(wdw[0]);
                let t = rng.next();
                check(Coord { x: wdw[0].x + t * (wdw[1].x - wdw[0].x), y: wdw[0].y + t * (wdw[1].y - wdw[0].y) });
                check(Coord { x: (wdw[0].x + wdw[1].x) / 2.0, y: (wdw[0].y + wdw[1].y) / 2.0 });
            }
        }
        boundary_cells
    }

    #[test]
    fn grid_agrees_with_geo_on_henan_like_shapes() {
        let henan = crate::synth::Preset::named("henan").expect("preset");
        let mut rng = Lcg(3);
        for k in 0..3 {
            // Control units: four shared fractal edges of ~520 vertices each.
            let ring = crate::synth::unit_ring(&henan, 1, 3 + 7 * k, 5 + 3 * k);
            let unit = Polygon::new(LineString::from(ring), vec![]);
            let boundary = check_against_geo(&unit, 11 + k as u64, 5_000);
            let idx = SegIndex::new(&unit);
            assert!(idx.grid.nx >= 32 && idx.grid.ny >= 32, "{}×{}", idx.grid.nx, idx.grid.ny);
            assert!(boundary < (idx.grid.nx * idx.grid.ny) as usize / 2, "{boundary} boundary cells");
            // Red-line patches with a hole, and nested water-source stars.
            let c = (113.0 + rng.next(), 33.0 + rng.next());
            let (p1, p2, p3) = (rng.next() * 9.0, rng.next() * 9.0, 3.0 + (rng.next() * 20.0).floor());
            let outer = crate::synth::star(c, 600, &|t| 2_000.0 * (0.75 + 0.2 * (TAU * p3 * t + p1).sin() + 0.05 * (TAU * 97.0 * t + p2).sin()));
            let mut hole = crate::synth::star(c, 100, &|t| 500.0 * (0.8 + 0.2 * (TAU * 5.0 * t + p2).sin()));
            hole.reverse();
            check_against_geo(&Polygon::new(LineString::from(outer), vec![LineString::from(hole)]), 17 + k as u64, 5_000);
        }
    }

    #[test]
    fn grid_agrees_with_geo_on_slivers_axis_aligned_and_degenerate_parts() {
        let shapes: Vec<Polygon<f64>> = vec![
            // Thin slivers, diagonal and axis-aligned, far thinner than a cell.
            polygon![(x: 113.0, y: 33.0), (x: 113.5, y: 33.5), (x: 113.5, y: 33.500001), (x: 113.0, y: 33.0)],
            polygon![(x: 113.0, y: 33.0), (x: 113.6, y: 33.0), (x: 113.6, y: 33.0000001), (x: 113.0, y: 33.0000001), (x: 113.0, y: 33.0)],
            // A comb: long axis-aligned teeth whose edges lie on cell borders.
            {
                let mut v = vec![(0.0, 0.0)];
                for k in 0..16 {
                    let x = k as f64;
                    v.extend([(x, 10.0), (x + 0.5, 10.0), (x + 0.5, 1.0), (x + 1.0, 1.0)]);
                }
                v.extend([(16.0, 0.0), (0.0, 0.0)]);
                Polygon::new(LineString::from(v), vec![])
            },
            // A square with a square hole, edges on cell borders.
            Polygon::new(
                LineString::from(vec![(0.0, 0.0), (8.0, 0.0), (8.0, 8.0), (0.0, 8.0), (0.0, 0.0)]),
                vec![LineString::from(vec![(2.0, 2.0), (2.0, 6.0), (6.0, 6.0), (6.0, 2.0), (2.0, 2.0)])],
            ),
            // Degenerate: collinear, a repeated point, a tiny part, too few points.
            polygon![(x: 113.0, y: 33.0), (x: 113.1, y: 33.1), (x: 113.2, y: 33.2), (x: 113.0, y: 33.0)],
            polygon![(x: 113.0, y: 33.0), (x: 113.0, y: 33.0), (x: 113.0, y: 33.0), (x: 113.0, y: 33.0)],
            polygon![(x: 113.0, y: 33.0), (x: 113.0 + 1e-12, y: 33.0), (x: 113.0, y: 33.0 + 1e-12), (x: 113.0, y: 33.0)],
            Polygon::new(LineString::from(vec![(113.0, 33.0), (113.1, 33.0)]), vec![]),
            Polygon::new(LineString::new(vec![]), vec![]),
        ];
        for (k, s) in shapes.iter().enumerate() {
            check_against_geo(s, 100 + k as u64, 5_000);
        }
        // A star of 1,000 vertices with a hole, from the existing test.
        check_against_geo(&star(1000, true), 7, 20_000);
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
