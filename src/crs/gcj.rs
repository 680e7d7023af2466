//! GCJ-02 (国测局坐标, "Mars coordinates": Amap/高德, Tencent/腾讯, Google Maps in mainland China) and BD-09
//! (百度坐标, Baidu Maps), the obfuscated lon/lat that phone map apps give. Both are offset from WGS84 by a few
//! hundred metres, so a point copied from a map app must be converted before it is assessed.
//!
//! The forward transforms are the published algorithm as every open implementation has it (e.g.
//! `wandergis/coordtransform`, `googollee/eviltransform`, `hujiulong/gcoord`): a polynomial-and-sine offset scaled
//! on the Krasovsky ellipsoid (a = 6378245 m), applied only inside the rectangle
//! 72.004–137.8347°E, 0.8293–55.8271°N; outside it GCJ-02 is the identity. BD-09 is a further rotation and shift of
//! GCJ-02 (applied everywhere, like `coordtransform`).
//!
//! There is no closed-form inverse. [`gcj02_to_wgs84`] and [`bd09_to_gcj02`] invert the forward transform by
//! fixed-point iteration until the forward image of the result is within 1e-10° (about 0.01 mm) of the input, so
//! `inverse(forward(p))` is within 0.01 m of `p` everywhere (tested over a grid covering China).

use geo::Coord;
use std::f64::consts::PI;

/// Krasovsky 1940 semi-major axis, as the published GCJ-02 algorithm uses it.
const A: f64 = 6_378_245.0;
/// Krasovsky 1940 first eccentricity squared, written as every published implementation has it.
#[allow(clippy::excessive_precision)]
const EE: f64 = 0.006_693_421_622_965_943_23;
/// BD-09's angular constant.
const X_PI: f64 = PI * 3000.0 / 180.0;

/// Where the GCJ-02 offset applies (the published rectangle), lon/lat degrees: `([west, south], [east, north])`.
pub const GCJ02_EXTENT: ([f64; 2], [f64; 2]) = ([72.004, 0.8293], [137.8347, 55.8271]);

/// The fixed-point inverse stops when the forward image is this close to the target, in degrees (≈ 0.01 mm).
const INVERSE_TOLERANCE_DEG: f64 = 1e-10;
const INVERSE_MAX_ITERATIONS: usize = 30;

/// True when GCJ-02 offsets the point: inside the published rectangle around China.
pub fn gcj02_applies(c: Coord<f64>) -> bool {
    let ([w, s], [e, n]) = GCJ02_EXTENT;
    (w..=e).contains(&c.x) && (s..=n).contains(&c.y)
}

fn offset_lat(x: f64, y: f64) -> f64 {
    let mut r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * x.abs().sqrt();
    r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    r += (20.0 * (y * PI).sin() + 40.0 * (y / 3.0 * PI).sin()) * 2.0 / 3.0;
    r += (160.0 * (y / 12.0 * PI).sin() + 320.0 * (y * PI / 30.0).sin()) * 2.0 / 3.0;
    r
}

fn offset_lon(x: f64, y: f64) -> f64 {
    let mut r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();
    r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    r += (20.0 * (x * PI).sin() + 40.0 * (x / 3.0 * PI).sin()) * 2.0 / 3.0;
    r += (150.0 * (x / 12.0 * PI).sin() + 300.0 * (x / 30.0 * PI).sin()) * 2.0 / 3.0;
    r
}

/// WGS84 → GCJ-02 (the published forward algorithm).
pub fn wgs84_to_gcj02(c: Coord<f64>) -> Coord<f64> {
    if !gcj02_applies(c) {
        return c;
    }
    let (lon, lat) = (c.x, c.y);
    let dlat = offset_lat(lon - 105.0, lat - 35.0);
    let dlon = offset_lon(lon - 105.0, lat - 35.0);
    let radlat = lat / 180.0 * PI;
    let magic = 1.0 - EE * radlat.sin() * radlat.sin();
    let sqrt_magic = magic.sqrt();
    let dlat = (dlat * 180.0) / ((A * (1.0 - EE)) / (magic * sqrt_magic) * PI);
    let dlon = (dlon * 180.0) / (A / sqrt_magic * radlat.cos() * PI);
    Coord { x: lon + dlon, y: lat + dlat }
}

/// GCJ-02 → BD-09 (the published forward algorithm).
pub fn gcj02_to_bd09(c: Coord<f64>) -> Coord<f64> {
    let (x, y) = (c.x, c.y);
    let z = (x * x + y * y).sqrt() + 0.00002 * (y * X_PI).sin();
    let theta = y.atan2(x) + 0.000003 * (x * X_PI).cos();
    Coord { x: z * theta.cos() + 0.0065, y: z * theta.sin() + 0.006 }
}

/// The published one-step BD-09 → GCJ-02 approximation: the starting point of the exact inverse.
fn bd09_to_gcj02_approx(c: Coord<f64>) -> Coord<f64> {
    let (x, y) = (c.x - 0.0065, c.y - 0.006);
    let z = (x * x + y * y).sqrt() - 0.00002 * (y * X_PI).sin();
    let theta = y.atan2(x) - 0.000003 * (x * X_PI).cos();
    Coord { x: z * theta.cos(), y: z * theta.sin() }
}

/// Solves `forward(w) = target` by fixed-point iteration from `start` (the forward maps are the identity plus a
/// small, slowly varying offset, so each step shrinks the error by orders of magnitude).
fn invert(target: Coord<f64>, start: Coord<f64>, forward: impl Fn(Coord<f64>) -> Coord<f64>) -> Coord<f64> {
    let mut w = start;
    for _ in 0..INVERSE_MAX_ITERATIONS {
        let f = forward(w);
        let (dx, dy) = (f.x - target.x, f.y - target.y);
        if dx.abs() < INVERSE_TOLERANCE_DEG && dy.abs() < INVERSE_TOLERANCE_DEG {
            break;
        }
        w = Coord { x: w.x - dx, y: w.y - dy };
    }
    w
}

/// GCJ-02 → WGS84: the exact inverse of [`wgs84_to_gcj02`] (iterated to < 0.01 mm). Outside the GCJ-02 rectangle
/// the identity.
pub fn gcj02_to_wgs84(c: Coord<f64>) -> Coord<f64> {
    if !gcj02_applies(c) {
        return c;
    }
    // One step of the published approximation (accurate to 1–2 m) starts the iteration.
    let f = wgs84_to_gcj02(c);
    let start = Coord { x: 2.0 * c.x - f.x, y: 2.0 * c.y - f.y };
    invert(c, start, wgs84_to_gcj02)
}

/// BD-09 → GCJ-02: the exact inverse of [`gcj02_to_bd09`] (iterated to < 0.01 mm), not the published one-step
/// approximation (which is off by up to a few centimetres).
pub fn bd09_to_gcj02(c: Coord<f64>) -> Coord<f64> {
    invert(c, bd09_to_gcj02_approx(c), gcj02_to_bd09)
}

/// WGS84 → BD-09.
pub fn wgs84_to_bd09(c: Coord<f64>) -> Coord<f64> {
    gcj02_to_bd09(wgs84_to_gcj02(c))
}

/// BD-09 → WGS84.
pub fn bd09_to_wgs84(c: Coord<f64>) -> Coord<f64> {
    gcj02_to_wgs84(bd09_to_gcj02(c))
}

#[cfg(test)]
mod tests {
    //! Published reference pairs. Each source's values are used as published; the tolerance says how many digits
    //! they carry.
    use super::*;
    use geo::{Distance, Haversine, Point};

    fn metres(a: Coord<f64>, b: Coord<f64>) -> f64 {
        Haversine.distance(Point(a), Point(b))
    }

    fn c(x: f64, y: f64) -> Coord<f64> {
        Coord { x, y }
    }

    /// WGS84 → GCJ-02 pairs, (wgs lon, wgs lat, gcj lon, gcj lat).
    /// - googollee/eviltransform, python/test.py @ 3416646abc64972e899118271bd98030224d9d6c (also
    ///   go/transform_test.go @ 1643645a2a2f2fa06811df676db42d02a0fb1f40), `TESTS` (given there as lat, lng):
    ///   Shanghai, Shenzhen, Beijing;
    /// - wandergis/coordtransform, test/app.js @ 242324636adb54f9d1ef571035dc61f0ac8f0e8c:
    ///   `wgs84togcj02(116.404, 39.915)` → `[116.41024449916938, 39.91640428150164]`.
    const GCJ_PAIRS: [(f64, f64, f64, f64); 4] = [
        (121.5272106, 31.1774276, 121.531541859215, 31.17530398364597),
        (113.912316, 22.543847, 113.9171764808363, 22.540796131694766),
        (116.377817, 39.911954, 116.38404722455657, 39.91334545536069),
        (116.404, 39.915, 116.41024449916938, 39.91640428150164),
    ];

    /// GCJ-02 → BD-09 pairs, (gcj lon, gcj lat, bd lon, bd lat).
    /// - wandergis/coordtransform, test/app.js @ 242324636adb54f9d1ef571035dc61f0ac8f0e8c:
    ///   `gcj02tobd09(116.404, 39.915)` → `[116.41036949371029, 39.92133699351021]`;
    /// - hujiulong/gcoord, test/unit/crs/GCJ02.spec.ts @ 42ea29df479c739f9b39f9c8e939fb7ae39e5a3e:
    ///   GCJ02 → BD09 of [123, 45] → [123.00636499, 45.00636899] (8 decimals);
    /// - hujiulong/gcoord, test/fixtures/china-cities.json @ fedbaa105f198d5afc23fec2d60c0a0df32ef663: 驻马店市,
    ///   郑州市, 邵阳市 `GCJ02` → `BD09` (7 decimals, i.e. ±5 mm).
    const BD_PAIRS: [(f64, f64, f64, f64, f64); 5] = [
        (116.404, 39.915, 116.41036949371029, 39.92133699351021, 1e-6),
        (123.0, 45.0, 123.00636499, 45.00636899, 0.002),
        (114.022306, 33.0115324, 114.0287781, 33.0176697, 0.01),
        (113.6253334, 34.7466173, 113.6317519, 34.7528605, 0.01),
        (111.4677938, 27.2388981, 111.4742271, 27.2451662, 0.01),
    ];

    #[test]
    fn wgs84_to_gcj02_matches_published_pairs() {
        for (wx, wy, gx, gy) in GCJ_PAIRS {
            let g = wgs84_to_gcj02(c(wx, wy));
            assert!(metres(g, c(gx, gy)) < 1e-6, "{wx},{wy} → {g:?}, published {gx},{gy}");
        }
    }

    #[test]
    fn gcj02_to_wgs84_inverts_published_pairs_to_a_centimetre() {
        for (wx, wy, gx, gy) in GCJ_PAIRS {
            let w = gcj02_to_wgs84(c(gx, gy));
            assert!(metres(w, c(wx, wy)) < 0.01, "{gx},{gy} → {w:?}, published {wx},{wy}: {} m", metres(w, c(wx, wy)));
        }
    }

    #[test]
    fn gcj02_of_map_service_points_agrees_to_a_metre() {
        // hujiulong/gcoord test/fixtures/china-cities.json @ fedbaa105f198d5afc23fec2d60c0a0df32ef663 (驻马店市,
        // 郑州市, 邵阳市): WGS84 and GCJ02 positions of the same city as the map services give them (7 decimals).
        // They are not outputs of the formula, so they agree to the service's rounding, well under a metre.
        for (w, g) in [
            (c(114.0164322, 33.0133556), c(114.022306, 33.0115324)),
            (c(113.6192856, 34.7478004), c(113.6253334, 34.7466173)),
            (c(111.4622119, 27.242124), c(111.4677938, 27.2388981)),
        ] {
            let d = metres(wgs84_to_gcj02(w), g);
            assert!(d < 1.0, "{w:?}: {d} m");
        }
    }

    #[test]
    fn gcj02_to_bd09_matches_published_pairs() {
        for (gx, gy, bx, by, tol_m) in BD_PAIRS {
            let b = gcj02_to_bd09(c(gx, gy));
            assert!(metres(b, c(bx, by)) < tol_m, "{gx},{gy} → {b:?}, published {bx},{by}: {} m", metres(b, c(bx, by)));
        }
    }

    #[test]
    fn bd09_to_gcj02_inverts_published_pairs() {
        for (gx, gy, bx, by, tol_m) in BD_PAIRS {
            let g = bd09_to_gcj02(c(bx, by));
            assert!(metres(g, c(gx, gy)) < tol_m.max(0.01), "{bx},{by} → {g:?}, published {gx},{gy}");
        }
    }

    #[test]
    fn exact_bd09_inverse_improves_on_the_published_one_step_formula() {
        // wandergis/coordtransform test/app.js @ 242324636adb54f9d1ef571035dc61f0ac8f0e8c:
        // bd09togcj02(116.404, 39.915) → [116.39762729119315, 39.90865673957631] (the one-step formula).
        let approx = c(116.39762729119315, 39.90865673957631);
        assert!(metres(bd09_to_gcj02_approx(c(116.404, 39.915)), approx) < 1e-6);
        let target = c(116.404, 39.915);
        let exact = bd09_to_gcj02(target);
        let (exact_err, approx_err) = (metres(gcj02_to_bd09(exact), target), metres(gcj02_to_bd09(approx), target));
        assert!(exact_err < 1e-4, "{exact_err} m");
        assert!(approx_err > exact_err, "one step {approx_err} m, iterated {exact_err} m");
        assert!(metres(exact, approx) < 0.5, "the published approximation is close but not exact");
    }

    #[test]
    fn round_trips_over_all_of_china_stay_within_a_centimetre() {
        let ([w, s], [e, n]) = GCJ02_EXTENT;
        let mut worst: f64 = 0.0;
        let mut lon = w + 0.05;
        while lon < e {
            let mut lat = s + 0.05;
            while lat < n {
                let p = c(lon, lat);
                worst = worst.max(metres(gcj02_to_wgs84(wgs84_to_gcj02(p)), p));
                worst = worst.max(metres(bd09_to_wgs84(wgs84_to_bd09(p)), p));
                worst = worst.max(metres(wgs84_to_gcj02(gcj02_to_wgs84(p)), p));
                lat += 0.25;
            }
            lon += 0.25;
        }
        assert!(worst < 0.01, "worst round trip {worst} m");
    }

    #[test]
    fn outside_china_gcj02_is_the_identity() {
        for p in [c(2.35, 48.86), c(-74.0, 40.7), c(139.7, 35.7), c(100.0, 0.5), c(120.0, 56.0)] {
            assert_eq!(wgs84_to_gcj02(p), p);
            assert_eq!(gcj02_to_wgs84(p), p);
        }
    }

    #[test]
    fn the_offset_in_wugang_is_hundreds_of_metres() {
        let p = c(113.447392, 33.317817);
        let d = metres(wgs84_to_gcj02(p), p);
        assert!((300.0..1000.0).contains(&d), "{d} m");
    }
}
