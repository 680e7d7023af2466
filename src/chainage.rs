//! Chainage of a line's crossings: for a road, pipeline or power line, where along it (km from its start) it enters
//! and leaves each zone, so a designer sees which section to re-route.
//!
//! Chainage is measured **geodesically** along the line from its first vertex: the chainage of a point between
//! vertices `i` and `i+1` is the chainage of vertex `i` plus the geodesic distance (Karney, WGS84) from vertex `i`
//! to the point. Crossing points are found on the segments as drawn in lon/lat — the same planar predicates `geo`
//! uses for the crossing length — so `Σ length_m` equals `crossing_length_m` to a few centimetres.
//!
//! A MultiLineString is chained **part after part**: part 2 starts at the chainage where part 1 ends, as if the parts
//! were one route drawn in pieces (the usual case: a route exported section by section). Crossings never merge across
//! parts. A line that starts inside a zone has `enter_km` 0; a part that merely touches a zone at a point has no
//! crossing (zero length).

use geo::{Coord, Distance, Geodesic, Intersects, Line, MultiLineString, Point, Polygon};
use serde::Serialize;

/// One pass of the line through a zone.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Crossing {
    /// Chainage where the line enters the zone, km from the line's start (0 when it starts inside).
    pub enter_km: f64,
    /// Chainage where it leaves, km.
    pub leave_km: f64,
    /// Geodesic length inside the zone on this pass, m.
    pub length_m: f64,
}

/// Crossings of `line` through the zone made of `parts` (polygon parts; boundary counts as inside), sorted by
/// `enter_km`.
pub fn crossings(line: &MultiLineString<f64>, parts: &[&Polygon<f64>]) -> Vec<Crossing> {
    // Intervals in metres: (enter, leave, part index).
    let mut intervals: Vec<(f64, f64, usize)> = Vec::new();
    let mut offset = 0.0;
    for (pi, ls) in line.0.iter().enumerate() {
        let mut at = offset;
        for seg in ls.lines() {
            let seg_len = Geodesic.distance(Point(seg.start), Point(seg.end));
            for (t0, t1) in inside_spans(seg, parts) {
                let m = |t: f64| {
                    if t <= 0.0 {
                        at
                    } else if t >= 1.0 {
                        at + seg_len
                    } else {
                        at + Geodesic.distance(Point(seg.start), Point(lerp(seg, t)))
                    }
                };
                let (a, b) = (m(t0), m(t1));
                match intervals.last_mut() {
                    // Contiguous with the previous span (same part): one pass.
                    Some(last) if last.2 == pi && (a - last.1).abs() < 1e-6 => last.1 = b,
                    _ => intervals.push((a, b, pi)),
                }
            }
            at += seg_len;
        }
        offset = at;
    }
    intervals
        .into_iter()
        .filter(|(a, b, _)| b > a)
        .map(|(a, b, _)| Crossing { enter_km: round(a / 1000.0, 1e3), leave_km: round(b / 1000.0, 1e3), length_m: round(b - a, 10.0) })
        .collect()
}

/// A chainage in the road-design notation designers read off drawings: `K1+250` is 1 km 250 m from the start
/// (metres rounded, always three digits after the `+`). Negative or non-finite values are clamped to `K0+000`, which
/// a chainage along the line from its start cannot be anyway.
pub fn station(km: f64) -> String {
    let m = if km.is_finite() && km > 0.0 { (km * 1000.0).round() as u64 } else { 0 };
    format!("K{}+{:03}", m / 1000, m % 1000)
}

fn round(v: f64, scale: f64) -> f64 {
    (v * scale).round() / scale
}

fn lerp(seg: Line<f64>, t: f64) -> Coord<f64> {
    Coord { x: seg.start.x + (seg.end.x - seg.start.x) * t, y: seg.start.y + (seg.end.y - seg.start.y) * t }
}

/// The sub-spans `[t0, t1]` (segment parameters 0–1) of a segment inside the zone: the segment is cut wherever it
/// meets an edge of the zone, and each piece is inside when its midpoint is (boundary included).
fn inside_spans(seg: Line<f64>, parts: &[&Polygon<f64>]) -> Vec<(f64, f64)> {
    let mut cuts = vec![0.0, 1.0];
    for p in parts {
        for ring in std::iter::once(p.exterior()).chain(p.interiors()) {
            for edge in ring.lines() {
                cut_params(seg, edge, &mut cuts);
            }
        }
    }
    cuts.sort_by(f64::total_cmp);
    cuts.dedup_by(|a, b| (*a - *b).abs() < 1e-12);
    let mut out: Vec<(f64, f64)> = Vec::new();
    for w in cuts.windows(2) {
        let (t0, t1) = (w[0], w[1]);
        let mid = Point(lerp(seg, 0.5 * (t0 + t1)));
        if parts.iter().any(|p| p.intersects(&mid)) {
            match out.last_mut() {
                Some(last) if last.1 == t0 => last.1 = t1,
                _ => out.push((t0, t1)),
            }
        }
    }
    out
}

/// Parameters along `seg` where `edge` meets it (one for a crossing, the overlap's ends for collinear edges).
fn cut_params(seg: Line<f64>, edge: Line<f64>, cuts: &mut Vec<f64>) {
    let d = seg.delta();
    let e = edge.delta();
    let denom = d.x * e.y - d.y * e.x;
    let w = edge.start - seg.start;
    let len2 = d.x * d.x + d.y * d.y;
    if len2 == 0.0 {
        return;
    }
    if denom.abs() <= 1e-15 * len2.max(e.x * e.x + e.y * e.y) {
        // Parallel: collinear overlap contributes its ends.
        if (w.x * d.y - w.y * d.x).abs() <= 1e-12 * len2.sqrt() {
            for c in [edge.start, edge.end] {
                let t = ((c.x - seg.start.x) * d.x + (c.y - seg.start.y) * d.y) / len2;
                if (0.0..=1.0).contains(&t) {
                    cuts.push(t);
                }
            }
        }
        return;
    }
    let t = (w.x * e.y - w.y * e.x) / denom;
    let u = (w.x * d.y - w.y * d.x) / denom;
    if (0.0..=1.0).contains(&t) && (-1e-12..=1.0 + 1e-12).contains(&u) {
        cuts.push(t);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{polygon, LineString};

    #[test]
    fn station_is_k_plus_three_digit_metres() {
        assert_eq!(station(1.25), "K1+250");
        assert_eq!(station(0.0), "K0+000");
        assert_eq!(station(0.0071), "K0+007");
        assert_eq!(station(12.9996), "K13+000");
        assert_eq!(station(-1.0), "K0+000");
    }

    fn square(x0: f64, y0: f64, s: f64) -> Polygon<f64> {
        polygon![(x: x0, y: y0), (x: x0 + s, y: y0), (x: x0 + s, y: y0 + s), (x: x0, y: y0 + s), (x: x0, y: y0)]
    }

    fn line(pts: &[(f64, f64)]) -> MultiLineString<f64> {
        MultiLineString(vec![LineString::from(pts.to_vec())])
    }

    #[test]
    fn a_line_through_a_square_enters_and_leaves_at_its_edges() {
        let sq = square(113.0, 33.0, 0.1);
        let l = line(&[(112.95, 33.05), (113.15, 33.05)]);
        let c = crossings(&l, &[&sq]);
        assert_eq!(c.len(), 1);
        let to_edge = Geodesic.distance(Point::new(112.95, 33.05), Point::new(113.0, 33.05));
        let through = Geodesic.distance(Point::new(113.0, 33.05), Point::new(113.1, 33.05));
        assert!((c[0].enter_km * 1000.0 - to_edge).abs() < 1.0, "{c:?}");
        assert!((c[0].length_m - through).abs() < 0.5, "{c:?} {through}");
    }

    #[test]
    fn a_line_starting_inside_enters_at_zero_and_passes_are_separate() {
        let sq = square(113.0, 33.0, 0.1);
        // Starts inside, leaves east, comes back in from the north after a detour: two passes.
        let l = line(&[(113.05, 33.05), (113.2, 33.05), (113.2, 33.2), (113.05, 33.2), (113.05, 33.08)]);
        let c = crossings(&l, &[&sq]);
        assert_eq!(c.len(), 2, "{c:?}");
        assert_eq!(c[0].enter_km, 0.0);
        assert!(c[1].enter_km > c[0].leave_km);
    }

    #[test]
    fn multilinestring_parts_are_chained_one_after_the_other() {
        let sq = square(113.0, 33.0, 0.1);
        let first = LineString::from(vec![(112.9, 33.5), (112.95, 33.5)]); // far away
        let second = LineString::from(vec![(112.95, 33.05), (113.15, 33.05)]);
        let part1 = Geodesic.distance(Point::new(112.9, 33.5), Point::new(112.95, 33.5));
        let c = crossings(&MultiLineString(vec![first, second.clone()]), &[&sq]);
        let alone = crossings(&MultiLineString(vec![second]), &[&sq]);
        assert!((c[0].enter_km - alone[0].enter_km - part1 / 1000.0).abs() < 0.002, "{c:?} {alone:?}");
    }
}
