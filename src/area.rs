//! Ellipsoidal polygon areas: a fast path for polygons with short edges, Karney's geodesic polygon area otherwise.
//!
//! Karney's algorithm (geo's `geodesic_area_signed`, GeographicLib's `PolygonArea`) solves one geodesic inverse
//! problem per edge (≈ 5,000 instructions, plus a perimeter nobody reads); a 1,000-vertex footprint and its overlap
//! pieces spent more than half of a footprint assessment there. For short edges the same area follows from the
//! authalic sphere instead:
//!
//! - the map (φ, λ) → (β, λ), β the authalic latitude, takes the WGS84 ellipsoid onto a sphere of radius R_q with
//!   every area preserved (Snyder, *Map Projections: A Working Manual*, eq. 3-11/3-12);
//! - on that sphere a polygon with great-circle edges has the exact area R_q² · Σ E_i, E_i the signed spherical
//!   excess of the quadrilateral between edge i, its two meridians and the equator:
//!   tan(E_i/2) = tan(Δλ_i/2) · (tan(β₁/2) + tan(β₂/2)) / (1 + tan(β₁/2) · tan(β₂/2))
//!   (Bevis & Cambareri 1987; GeographicLib uses the same quadrilaterals, in other variables);
//! - so the only difference from the geodesic polygon is, per edge, the sliver between the ellipsoid geodesic and
//!   the preimage of the authalic great circle through the same two vertices. Both curves are smooth with the same
//!   ends, and their relative geodesic curvature is e² sin 2φ sin α / 2a to leading order (the authalic map is
//!   conformal up to terms in e²), so the sliver is e²/24a · sin 2φ · x · L² (x the eastward extent, L the length;
//!   up to 4.4e-11 · L³ m²). [`edge_sliver`] adds that term; what it leaves is bounded by
//!   [`SLIVER_RESIDUAL_PER_M3`] · L³ (measured, with a factor 4 margin, by the test
//!   `edge_sliver_stays_within_the_cubic_bound` against Karney, over latitudes to ±[`MAX_LAT_DEG`] and edges to
//!   [`MAX_EDGE_M`]).
//!
//! [`geodesic_area`] takes the fast path only when the summed residual bound plus a rounding bound is at most
//! [`MAX_REL_ERROR`] (1e-9) of the area it returns; otherwise (long edges, high latitudes, a ring around a pole or
//! across the antimeridian, a polygon so thin that the bound is not small beside its area) it asks Karney. So the
//! fast path is within a relative 1e-9 (2 mm² on a 2 km² footprint) of the geodesic polygon's area. Karney's own
//! rounding is larger on such polygons: on 381 of the henan bench's footprints and overlap pieces, against a
//! 30-digit reference, the fast path was within 9.4e-12 and Karney within 2.0e-9. Answers print areas unrounded,
//! so the last digits of `area_m2` / `overlap_area_m2` (and `overlap_share`) moved by up to 4e-9 relative when the
//! fast path came; PostGIS agreement (0.01 % demanded, 4.5e-8 seen) is unaffected.

use geo::{Coord, GeodesicArea, LineString, MultiPolygon, Orient};

/// WGS84, as geo's `Geodesic::wgs84()` (the Karney path): both paths must measure the same ellipsoid.
const A: f64 = 6_378_137.0;
const F: f64 = 1.0 / 298.257_223_563;

/// Largest relative error the fast path may carry; beyond it the area comes from Karney.
pub const MAX_REL_ERROR: f64 = 1e-9;

/// The fast path serves vertices within this latitude (the sliver constant is measured there; near the poles
/// `cos β` and the edge-length estimate degrade).
pub const MAX_LAT_DEG: f64 = 80.0;

/// Longest edge the fast path serves (the cubic sliver law is measured up to it).
pub const MAX_EDGE_M: f64 = 20_000.0;

/// Bound on what [`edge_sliver`] leaves of the sliver between an edge's geodesic and its authalic great circle,
/// per cubic metre of the edge's estimated length ([`edge_extent`]): four times the largest residual measured
/// (1.0e-13 /m³; the sliver itself reaches 4.4e-11 /m³).
pub const SLIVER_RESIDUAL_PER_M3: f64 = 4.5e-13;

/// The ellipsoid's authalic constants, computed once per area (a logarithm; nothing beside 1,000 vertices).
#[derive(Clone, Copy)]
struct Authalic {
    e2: f64,
    e: f64,
    /// q at the pole, q_p.
    qp: f64,
    /// R_q², the authalic sphere's radius squared.
    rq2: f64,
}

impl Authalic {
    fn wgs84() -> Authalic {
        let e2 = F * (2.0 - F);
        let e = e2.sqrt();
        let qp = 1.0 + (1.0 - e2) * e.atanh() / e;
        Authalic { e2, e, qp, rq2: A * A * qp / 2.0 }
    }

    /// sin β and cos β of the authalic latitude of geodetic latitude `lat_deg` (Snyder eq. 3-12, 3-11).
    fn sin_cos_beta(&self, lat_deg: f64) -> (f64, f64) {
        let s = lat_deg.to_radians().sin();
        let q = (1.0 - self.e2) * (s / (1.0 - self.e2 * s * s) + (self.e * s).atanh() / self.e);
        let sb = (q / self.qp).clamp(-1.0, 1.0);
        (sb, ((1.0 - sb) * (1.0 + sb)).sqrt())
    }
}

/// An edge's eastward extent and length in metres, estimated from its latitude and longitude differences and the
/// authalic cosines (within ≈ e² of the geodesic's): what the sliver correction uses and its residual bound is
/// measured against (a consistent estimate, not an exact length).
fn edge_extent(dlat_rad: f64, dlon_rad: f64, cos_b1: f64, cos_b2: f64) -> (f64, f64) {
    let east = A * dlon_rad * 0.5 * (cos_b1 + cos_b2);
    let north = A * dlat_rad;
    (east, (north * north + east * east).sqrt())
}

/// The sliver between an edge's geodesic and its authalic great circle, to leading order, signed as the edge's
/// equator quadrilateral: the geodesic bulges poleward of the great circle by e²/24a · sin 2φ · x · L² (x the
/// eastward extent, L the length; fitted to Karney to 0.1 % at 10–75° and every azimuth: the relative curvature
/// of the two curves is e² sin 2φ sin α / 2a). `sin_2b` is sin(β₁ + β₂).
fn edge_sliver(auth: &Authalic, sin_2b: f64, east: f64, len: f64) -> f64 {
    auth.e2 / (24.0 * A) * sin_2b * east * len * len
}

/// The signed spherical excess of the quadrilateral between a great-circle edge (ends tan(β/2) = `t1`, `t2`, `dlon`
/// radians apart) and the equator, in steradians.
fn edge_excess(dlon: f64, t1: f64, t2: f64) -> f64 {
    2.0 * ((0.5 * dlon).tan() * (t1 + t2) / (1.0 + t1 * t2)).atan()
}

/// A vertex with the sine and cosine of its authalic latitude: what an edge's term needs of each end, computed once
/// per vertex however many edges share it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Vertex {
    c: Coord<f64>,
    sb: f64,
    cb: f64,
}

/// The fast path's running sums over directed edges. A ring's area is the sum over its edges in order; so is any
/// region's whose boundary is made of pieces of several rings (the overlap of two polygons is bounded by the pieces
/// of each one's rings inside the other, see [`crate::overlap`]), because each edge's term depends on that edge alone
/// and changes sign when the edge is reversed.
#[derive(Clone, Copy)]
pub(crate) struct EdgeSum {
    auth: Authalic,
    sum: f64,
    comp: f64,
    abs_sum: f64,
    sliver_sum: f64,
    residual: f64,
    position: f64,
}

impl EdgeSum {
    pub(crate) fn new() -> EdgeSum {
        EdgeSum::with(Authalic::wgs84())
    }

    fn with(auth: Authalic) -> EdgeSum {
        EdgeSum { auth, sum: 0.0, comp: 0.0, abs_sum: 0.0, sliver_sum: 0.0, residual: 0.0, position: 0.0 }
    }

    /// `None` outside the fast path's domain (beyond [`MAX_LAT_DEG`], or not finite).
    pub(crate) fn vertex(&self, c: Coord<f64>) -> Option<Vertex> {
        if !(c.y.abs() <= MAX_LAT_DEG && c.x.is_finite()) {
            return None;
        }
        let (sb, cb) = self.auth.sin_cos_beta(c.y);
        Some(Vertex { c, sb, cb })
    }

    /// Adds the edge from `a` to `b`; `None` (and nothing added) for an edge longer than [`MAX_EDGE_M`].
    pub(crate) fn add(&mut self, a: &Vertex, b: &Vertex) -> Option<()> {
        let (sb1, cb1, sb2, cb2) = (a.sb, a.cb, b.sb, b.cb);
        let dlon = (b.c.x - a.c.x).to_radians();
        let dlat = (b.c.y - a.c.y).to_radians();
        let (east, len) = edge_extent(dlat, dlon, cb1, cb2);
        // Also what keeps rings around a pole and across the antimeridian out: a closed ring in plain
        // coordinates can only get round by an edge jumping 180° or more in longitude, thousands of km at any
        // latitude within MAX_LAT_DEG.
        if !(len <= MAX_EDGE_M) {
            return None;
        }
        // tan(β/2) = sin β / (1 + cos β): no cancellation for |β| ≤ 90°.
        let (t1, t2) = (sb1 / (1.0 + cb1), sb2 / (1.0 + cb2));
        let excess = edge_excess(dlon, t1, t2);
        // Neumaier's compensated sum: the quadrilaterals reach to the equator, thousands of times the ring's area.
        let t = self.sum + excess;
        self.comp += if self.sum.abs() >= excess.abs() { (self.sum - t) + excess } else { (excess - t) + self.sum };
        self.sum = t;
        self.abs_sum += excess.abs();
        self.sliver_sum += edge_sliver(&self.auth, sb1 * cb2 + cb1 * sb2, east, len);
        self.residual += SLIVER_RESIDUAL_PER_M3 * len * len * len;
        // A vertex off by a few ulps of sin β moves by ≲ 4ε/cos β radians, sweeping a triangle along its edges.
        self.position += len / cb1.min(cb2);
        Some(())
    }

    /// The signed area of the edges added (counter-clockwise positive) and the bound on its error.
    pub(crate) fn total(&self) -> (f64, f64) {
        // Signs: a counter-clockwise ring runs west along its northern side, whose quadrilaterals are the larger.
        let area = -(self.auth.rq2 * (self.sum + self.comp) + self.sliver_sum);
        let rounding = 16.0 * f64::EPSILON * (self.auth.rq2 * self.abs_sum + A * self.position);
        (area, self.residual + rounding)
    }
}

/// A geodesic ring's signed area from the authalic sphere plus each edge's sliver (counter-clockwise positive) and
/// the bound on its error, or `None` when the ring leaves the fast path's domain.
fn ring_area(auth: &Authalic, ring: &LineString<f64>) -> Option<(f64, f64)> {
    let mut sum = EdgeSum::with(*auth);
    let mut pts = ring.0.iter();
    let mut prev = sum.vertex(*pts.next()?)?;
    for c in pts {
        let v = sum.vertex(*c)?;
        sum.add(&prev, &v)?;
        prev = v;
    }
    Some(sum.total())
}

/// The fast path's area of a (multi)polygon in m² (exteriors minus holes, any winding) with the bound on its
/// error, or `None` outside its domain.
fn authalic_area(mp: &MultiPolygon<f64>) -> Option<(f64, f64)> {
    let auth = Authalic::wgs84();
    let (mut area, mut bound) = (0.0, 0.0);
    for p in &mp.0 {
        let (a, b) = ring_area(&auth, p.exterior())?;
        area += a.abs();
        bound += b;
        for h in p.interiors() {
            let (a, b) = ring_area(&auth, h)?;
            area -= a.abs();
            bound += b;
        }
    }
    Some((area.abs(), bound))
}

/// Karney's geodesic area (geo), independent of ring winding: the reference, and the path for long edges.
pub fn karney_area(mp: &MultiPolygon<f64>) -> f64 {
    mp.orient(geo::orient::Direction::Default).geodesic_area_signed().abs()
}

/// Geodesic area of a (multi)polygon in m², independent of ring winding: from the authalic sphere where its error
/// bound keeps it within a relative [`MAX_REL_ERROR`] of the geodesic polygon's area, else from Karney (see the
/// module comment).
pub fn geodesic_area(mp: &MultiPolygon<f64>) -> f64 {
    match authalic_area(mp) {
        Some((area, bound)) if bound <= MAX_REL_ERROR * area => area,
        _ => karney_area(mp),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use geo::{Coord, Densify, Geodesic, MapCoords, Polygon};

    /// A tiny deterministic generator (splitmix64): the tests need reproducible random shapes, no crate.
    pub(crate) struct Rng(pub(crate) u64);
    impl Rng {
        pub(crate) fn next(&mut self) -> f64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
        }
        pub(crate) fn range(&mut self, lo: f64, hi: f64) -> f64 {
            lo + (hi - lo) * self.next()
        }
    }

    /// Karney's area between one geodesic edge and the equator: the quadrilateral with the edge's meridians (both
    /// geodesics, on the ellipsoid and on the authalic sphere alike) holds nothing else.
    fn karney_edge(a: Coord<f64>, b: Coord<f64>) -> f64 {
        let quad = LineString(vec![a, b, Coord { x: b.x, y: 0.0 }, Coord { x: a.x, y: 0.0 }, a]);
        karney_area(&MultiPolygon(vec![Polygon::new(quad, vec![])]))
    }

    fn authalic_edge(a: Coord<f64>, b: Coord<f64>) -> (f64, f64) {
        let auth = Authalic::wgs84();
        let (sb1, cb1) = auth.sin_cos_beta(a.y);
        let (sb2, cb2) = auth.sin_cos_beta(b.y);
        let e = edge_excess((b.x - a.x).to_radians(), sb1 / (1.0 + cb1), sb2 / (1.0 + cb2));
        let (east, len) = edge_extent((b.y - a.y).to_radians(), (b.x - a.x).to_radians(), cb1, cb2);
        ((auth.rq2 * e + edge_sliver(&auth, sb1 * cb2 + cb1 * sb2, east, len)).abs(), len)
    }

    /// The fast path's area when it serves the polygon, else `None`.
    fn fast(mp: &MultiPolygon<f64>) -> Option<(f64, f64)> {
        authalic_area(mp).filter(|(area, bound)| *bound <= MAX_REL_ERROR * area)
    }

    /// A star-shaped ring of `n` vertices, radius within `r_min..r_max` metres, counter-clockwise.
    pub(crate) fn star(rng: &mut Rng, lon: f64, lat: f64, r_min: f64, r_max: f64, n: usize) -> LineString<f64> {
        let m_lat = 111_000.0;
        let m_lon = m_lat * lat.to_radians().cos();
        let mut pts: Vec<Coord<f64>> = (0..n)
            .map(|i| {
                let a = std::f64::consts::TAU * i as f64 / n as f64;
                let r = rng.range(r_min, r_max);
                Coord { x: lon + r * a.cos() / m_lon, y: lat + r * a.sin() / m_lat }
            })
            .collect();
        pts.push(pts[0]);
        LineString(pts)
    }

    fn circle(lon: f64, lat: f64, radius_m: f64, n: usize) -> LineString<f64> {
        star(&mut Rng(0), lon, lat, radius_m, radius_m, n)
    }

    pub(crate) fn reversed(ring: &LineString<f64>) -> LineString<f64> {
        LineString(ring.0.iter().rev().copied().collect())
    }

    #[test]
    fn edge_sliver_stays_within_the_cubic_bound() {
        // What the leading-order correction leaves of the sliver between one geodesic edge and its authalic great
        // circle, over the whole domain: latitudes to MAX_LAT_DEG, edges of 1 km (shorter ones drown in Karney's
        // rounding) to MAX_EDGE_M, every azimuth. Uncorrected the sliver peaks at 4.4e-11 · L³ (45°, east-west);
        // corrected ≈ 1.0e-13 · L³ is left, and the bound keeps a margin of 4 over it. A wrong sign or factor in
        // the correction fails here.
        let mut rng = Rng(7);
        let mut worst: f64 = 0.0;
        for _ in 0..50_000 {
            let lat = rng.range(-MAX_LAT_DEG, MAX_LAT_DEG);
            let len = rng.range(1000.0, MAX_EDGE_M);
            let az = rng.range(0.0, std::f64::consts::TAU);
            let a = Coord { x: rng.range(-179.0, 179.0), y: lat };
            let b_lat = (lat + len * az.cos() / 111_000.0).clamp(-MAX_LAT_DEG, MAX_LAT_DEG);
            let b = Coord { x: a.x + len * az.sin() / (111_000.0 * lat.to_radians().cos()), y: b_lat };
            let (fast, l) = authalic_edge(a, b);
            if l > MAX_EDGE_M || (a.y > 0.0) != (b.y > 0.0) {
                continue;
            }
            worst = worst.max((karney_edge(a, b) - fast).abs() / (l * l * l));
        }
        assert!(4.0 * worst <= SLIVER_RESIDUAL_PER_M3, "bound {SLIVER_RESIDUAL_PER_M3:e} lost its margin over {worst:e}");
    }

    #[test]
    fn a_henan_footprint_takes_the_fast_path_within_its_bound() {
        // The scale bench's footprints: 1,000-vertex circles of ≈ 2 km² in Henan.
        for (lon, lat) in [(113.65, 32.94), (111.0, 34.5), (115.5, 36.1)] {
            let mp = MultiPolygon(vec![Polygon::new(circle(lon, lat, 800.0, 1000), vec![])]);
            let (area, bound) = fast(&mp).expect("fast path");
            let k = karney_area(&mp);
            assert!((area - k).abs() <= 1e-9 * k, "{area} vs {k}, bound {bound}");
            let (fine, fine_bound) = authalic_area(&Geodesic.densify(&mp, 1.0)).expect("finer edges");
            assert!((area - fine).abs() <= bound + fine_bound, "{area} vs {fine}, bound {bound}");
            assert!(bound < 2e-10 * area, "bound {bound} on {area}");
            assert_eq!(geodesic_area(&mp), area);
        }
    }

    #[test]
    fn random_small_polygons_with_holes_agree_with_karney_within_the_bound() {
        let mut rng = Rng(42);
        let mut served = 0;
        for i in 0..120 {
            let (lon, lat) = (rng.range(-179.0, 179.0), rng.range(-75.0, 75.0));
            let r = rng.range(30.0, 5_000.0);
            let n = 8 + (rng.next() * 1500.0) as usize;
            let outer = star(&mut rng, lon, lat, 0.97 * r, r, n);
            let holes = if i % 3 == 0 { vec![reversed(&star(&mut rng, lon, lat, 0.4 * r, 0.41 * r, 400))] } else { vec![] };
            let mut parts = vec![Polygon::new(outer, holes)];
            if i % 5 == 0 {
                // A second part beside the first, wound clockwise: winding must not matter.
                parts.push(Polygon::new(reversed(&star(&mut rng, lon + 0.2, lat, 0.97 * r, r, 800)), vec![]));
            }
            let mp = MultiPolygon(parts);
            let k = karney_area(&mp);
            let got = geodesic_area(&mp);
            // Karney's own rounding reaches ≈ 5e-9 of such areas (on the henan overlap pieces its value moves by
            // that much when the edges are split along the geodesics): a formula slip would show by far more.
            assert!((got - k).abs() <= 2e-8 * k, "{i}: {got} vs {k}");
            if let Some((area, bound)) = fast(&mp) {
                served += 1;
                assert_eq!(got, area);
                // Against the same polygon split every metre along its geodesics, whose slivers are negligible
                // (< 5e-11 m² an edge): the difference is this polygon's slivers and rounding, within the bound.
                let (fine, fine_bound) = authalic_area(&Geodesic.densify(&mp, 1.0)).expect("finer edges");
                assert!((area - fine).abs() <= bound + fine_bound, "{i}: {area} vs {fine}, bound {bound}");
            }
        }
        // Few vertices on a wide ring mean long edges, whose sliver bound sends them to Karney.
        assert!(served > 60, "only {served} of 120 small polygons took the fast path");
    }

    #[test]
    fn long_edges_high_latitudes_and_pole_rings_fall_back_to_karney() {
        let square = |x: f64, y: f64, d: f64| {
            LineString::from(vec![(x, y), (x + d, y), (x + d, y + d), (x, y + d), (x, y)])
        };
        let mp = |ring: LineString<f64>| MultiPolygon(vec![Polygon::new(ring, vec![])]);
        // A 1° cell (edges ≈ 100 km): beyond MAX_EDGE_M.
        let cell = mp(square(113.0, 33.0, 1.0));
        assert!(authalic_area(&cell).is_none());
        assert_eq!(geodesic_area(&cell), karney_area(&cell));
        // A 5 km square: inside the domain, but 4 edges of ≈ 5 km carry a residual bound above 1e-9 of 21 km².
        let sq = mp(square(113.0, 33.0, 0.045));
        let (area, bound) = authalic_area(&sq).expect("in the domain");
        assert!(bound > MAX_REL_ERROR * area);
        assert_eq!(geodesic_area(&sq), karney_area(&sq));
        // Beyond MAX_LAT_DEG.
        let polar = mp(circle(10.0, 84.0, 800.0, 100));
        assert!(authalic_area(&polar).is_none());
        assert_eq!(geodesic_area(&polar), karney_area(&polar));
        // A ring around the pole: short edges but the closing one, which jumps 360° of longitude.
        let mut around: Vec<(f64, f64)> = (0..=3600).map(|i| (-180.0 + i as f64 * 0.1, 79.99)).collect();
        around.push(around[0]);
        assert!(authalic_area(&mp(LineString::from(around))).is_none());
        // Across the antimeridian: one edge jumps 360° of longitude.
        let across = mp(circle(179.999, 20.0, 800.0, 100).map_coords(|c| Coord { x: if c.x > 180.0 { c.x - 360.0 } else { c.x }, y: c.y }));
        assert!(authalic_area(&across).is_none());
        assert_eq!(geodesic_area(&across), karney_area(&across));
    }

    #[test]
    fn degenerate_and_empty_polygons_measure_zero() {
        assert_eq!(geodesic_area(&MultiPolygon(vec![])), 0.0);
        let flat = MultiPolygon(vec![Polygon::new(LineString::from(vec![(113.0, 33.0), (113.001, 33.0), (113.0, 33.0)]), vec![])]);
        assert_eq!(geodesic_area(&flat), karney_area(&flat));
    }
}
