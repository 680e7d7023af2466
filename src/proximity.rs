//! Proximity screening: the zones a site does not touch but lies near, in distance bands (500 m, 1 km, 5 km by
//! default), as biodiversity screening tools report them — a site 300 m outside a nature reserve is a finding even
//! though no rule of the reserve applies to it.
//!
//! The bands are data: the rulebook's `[proximity]` table (`data/rules/70_proximity.toml`), per zone kind, so they are
//! versioned with the rules (the rulebook version hashes every file in its folder) and an answer's bands can always
//! be traced to the rulebook that produced it.
//!
//! Distances are **geodesic** (Karney, WGS84 ellipsoid; CGCS2000's differs by 0.1 mm): the nearest pair of points
//! between site and zone is found in a local metric frame centred on the site ([`LocalFrame`], planar, < 0.05 %
//! error within 5 km), and the distance reported is the geodesic length between that pair. The frame decides only
//! *which* pair is nearest; the number is the ellipsoidal distance between them. (`nearby`, the older list, keeps
//! its planar local-frame distances; the two agree to well under a metre within 5 km.)
//!
//! Candidates come from the R-tree: the site's bounding box grown by the largest band, then exact distances on the
//! parts whose boxes meet it — never a scan of all zones.

use crate::index::{IndexedPart, LocalFrame, Nearby, Site, ZoneId, ZoneIndex};
use crate::zone::Zone;
use crate::zone::ZoneKind;
use crate::segindex::{widen, Box32, CHUNK, GROUP};
use geo::{Coord, Distance, Geodesic, LineString, Point, Rect};
#[cfg(test)]
use geo::{Closest, ClosestPoint, Euclidean, Polygon};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The `[proximity]` table of the rulebook: default bands and per-kind overrides, metres, ascending.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ProximityConfig {
    /// Bands for every kind not listed in `kinds`.
    #[serde(default = "default_bands")]
    pub bands_m: Vec<f64>,
    /// Per zone kind (`control_unit`, `red_line`, `water_source`, `nature_reserve`, `other`); an empty list turns
    /// proximity off for that kind.
    #[serde(default)]
    pub kinds: BTreeMap<ZoneKind, Vec<f64>>,
}

fn default_bands() -> Vec<f64> {
    vec![500.0, 1000.0, 5000.0]
}

impl Default for ProximityConfig {
    /// 500 m, 1 km, 5 km for every kind but control units: they tile the territory, so a site is always in one and
    /// the next one is always a few metres away — not a finding.
    fn default() -> Self {
        ProximityConfig { bands_m: default_bands(), kinds: BTreeMap::from([(ZoneKind::ControlUnit, vec![])]) }
    }
}

/// Why a `[proximity]` table is refused.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ProximityConfigError {
    #[error("proximity bands of {owner} must be finite, positive, ascending and at most 50000 m; got {bands:?}")]
    BadBands { owner: String, bands: Vec<f64> },
}

/// Largest band accepted: the same ceiling as the `nearby` radius, so one request cannot ask for a county-wide scan.
pub const MAX_BAND_M: f64 = 50_000.0;

/// The widest band of any kind (0 without bands): how far a proximity search must look.
fn reach_of(bands_by_kind: &[&[f64]; 5]) -> f64 {
    bands_by_kind.iter().filter_map(|b| b.last().copied()).fold(0.0, f64::max)
}

impl ProximityConfig {
    pub fn check(&self) -> Result<(), ProximityConfigError> {
        let ok = |b: &[f64]| b.iter().all(|v| v.is_finite() && *v > 0.0 && *v <= MAX_BAND_M) && b.windows(2).all(|w| w[0] < w[1]);
        if !ok(&self.bands_m) {
            return Err(ProximityConfigError::BadBands { owner: "bands_m".into(), bands: self.bands_m.clone() });
        }
        for (k, b) in &self.kinds {
            if !ok(b) {
                return Err(ProximityConfigError::BadBands { owner: format!("kinds.{k}"), bands: b.clone() });
            }
        }
        Ok(())
    }

    /// The bands for one kind (empty: not screened).
    pub fn bands(&self, kind: ZoneKind) -> &[f64] {
        self.kinds.get(&kind).map(Vec::as_slice).unwrap_or(&self.bands_m)
    }

    /// The largest band of any kind: how far candidates are searched.
    pub fn reach_m(&self) -> f64 {
        reach_of(&self.bands_by_kind())
    }

    /// The smallest band holding `distance_m`, if any.
    pub fn band_of(&self, kind: ZoneKind, distance_m: f64) -> Option<f64> {
        band_in(self.bands(kind), distance_m)
    }

    /// Every kind's bands, indexed by `kind as usize`: one map lookup per kind per query instead of one per candidate.
    fn bands_by_kind(&self) -> [&[f64]; 5] {
        debug_assert!(ZoneKind::ALL.iter().enumerate().all(|(i, k)| *k as usize == i));
        ZoneKind::ALL.map(|k| self.bands(k))
    }
}

/// The smallest of `bands` (ascending) holding `distance_m`.
fn band_in(bands: &[f64], distance_m: f64) -> Option<f64> {
    bands.iter().copied().find(|b| distance_m <= *b)
}

/// Label of a band: `≤500 m`, `≤1 km`, `≤5 km`.
pub fn band_label(band_m: f64) -> String {
    if band_m >= 1000.0 && (band_m / 1000.0).fract() == 0.0 {
        format!("≤{} km", band_m / 1000.0)
    } else if band_m >= 1000.0 {
        format!("≤{:.1} km", band_m / 1000.0)
    } else {
        format!("≤{band_m} m")
    }
}

/// One zone near the site: its id, geodesic distance (m) and the smallest band it falls in. The distance is Karney's,
/// or the short-line formula's (within 1e-4 m of it) where that makes no difference to the band, to the order of
/// the list or to the distance rounded to 0.1 m.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Near {
    pub zone: ZoneId,
    pub distance_m: f64,
    pub band_m: f64,
}

/// Zones within their kind's largest band of the site, not in `exclude` (the zones it touches), nearest first.
pub fn near(index: &ZoneIndex, config: &ProximityConfig, site: &Site, exclude: &[ZoneId]) -> Vec<Near> {
    near_and_nearby(index, config, site, exclude, None, None).0
}

/// The window whose parts a search up to `search_m` from the site's box must consider: the box grown by the distance,
/// with a 1 % margin as the frame's scale is that of the box's centre, not of its edges.
fn search_window(rect: Rect<f64>, frame: &LocalFrame, search_m: f64) -> Rect<f64> {
    let (dx, dy) = frame.degrees(search_m * 1.01);
    Rect::new(Coord { x: rect.min().x - dx, y: rect.min().y - dy }, Coord { x: rect.max().x + dx, y: rect.max().y + dy })
}

/// The candidate parts of a point's proximity search, listed per cell of a uniform grid at load, so a point reads one
/// cell's list (then tests each box as the R-tree would) instead of descending the R-tree, collecting and sorting
/// (12 % of a point assessment at provincial scale). A part is listed in every cell its box, grown by `reach_m`
/// (plus margins) at the farthest latitude it could be seen from, meets; only parts of zones that a search may want
/// are listed: kinds with bands, and the zones the nearby list keeps (`listed`, which must accept every zone the
/// caller's nearby `keep` accepts). Lists are in (zone, part) order, as the R-tree query sorts them.
pub struct NearCells {
    grid: crate::index::BoxGrid,
    /// The largest search, m, whose candidates every list holds.
    reach_m: f64,
}

impl NearCells {
    pub fn new(index: &ZoneIndex, config: &ProximityConfig, nearby_m: f64, listed: impl Fn(&Zone) -> bool) -> NearCells {
        let reach_m = config.reach_m().max(nearby_m);
        let parts: Vec<([f64; 4], u32, u32)> = if reach_m > 0.0 {
            index
                .part_boxes()
                .filter(|(_, z, _)| {
                    let z = index.zone(*z);
                    !config.bands(z.kind()).is_empty() || listed(z)
                })
                .map(|(b, z, p)| (b, z as u32, p as u32))
                .collect()
        } else {
            vec![]
        };
        // Each box grown by the query's window (`reach` × 1.01 at the query's latitude) with margin: degrees of
        // longitude per metre grow away from the equator, of latitude toward it, so take the larger of the
        // latitudes a degree beyond the box (the window is at most 50 km, under half a degree) and the equator.
        let grown = |b: &[f64; 4]| {
            let lat = (b[1] - 1.0).abs().max((b[3] + 1.0).abs()).min(89.9);
            let dx = LocalFrame::at(Coord { x: 0.0, y: lat }).degrees(reach_m * 1.02).0;
            let dy = LocalFrame::at(Coord { x: 0.0, y: 0.0 }).degrees(reach_m * 1.02).1;
            [b[0] - dx, b[1] - dy, b[2] + dx, b[3] + dy]
        };
        // Cells about the reach on a side (at the extent's centre), at most 1024 a side.
        let cells = |e: &[f64; 4]| {
            let (cw, ch) = LocalFrame::at(Coord { x: 0.0, y: (e[1] + e[3]) / 2.0 }).degrees(reach_m);
            let (w, h) = ((e[2] - e[0]).max(1e-9), (e[3] - e[1]).max(1e-9));
            ((w / cw).ceil().clamp(1.0, 1024.0) as usize, (h / ch).ceil().clamp(1.0, 1024.0) as usize)
        };
        NearCells { grid: crate::index::BoxGrid::new(parts, grown, cells), reach_m }
    }

    /// The parts of wanted zones whose box meets `rect` (a window around `p` at most `reach_m` wide), as
    /// [`ZoneIndex::indexed_parts_in_rect`] returns them; `None` where the lists cannot answer (a point beyond
    /// the grid, a wider search).
    fn parts_near<'a>(
        &self,
        index: &'a ZoneIndex,
        p: Coord<f64>,
        search_m: f64,
        rect: Rect<f64>,
        wanted: impl Fn(ZoneId) -> bool,
    ) -> Option<Vec<(ZoneId, usize, IndexedPart<'a>)>> {
        if !(search_m <= self.reach_m) {
            return None;
        }
        let (lo, hi) = (rect.min(), rect.max());
        let list = self.grid.at(p)?;
        let meets = |b: &[f64; 4]| b[0] <= hi.x && b[2] >= lo.x && b[1] <= hi.y && b[3] >= lo.y;
        // Two passes, so that the zone records of every part in the window are on their way before the first is
        // read (see `crate::prefetch`); the second asks for each part's segment index as soon as it is known.
        for &k in list {
            let (b, z, _) = &self.grid.parts[k as usize];
            if meets(b) {
                index.prefetch_zone(*z as usize);
            }
        }
        Some(
            list.iter()
                .map(|&k| &self.grid.parts[k as usize])
                .filter(|(b, z, _)| meets(b) && wanted(*z as usize))
                .map(|(b, z, part)| {
                    let p = index.indexed_part(*z as usize, *part as usize, *b);
                    p.segs.prefetch_header();
                    crate::prefetch::prefetch(p.polygon);
                    (*z as usize, *part as usize, p)
                })
                .collect(),
        )
    }

    /// Heap bytes (for memory reports).
    pub fn heap_bytes(&self) -> usize {
        self.grid.heap_bytes()
    }
}

/// [`near`], and for a point site also the `nearby` list: the zones `keep` accepts within `radius_m`, by planar
/// distance in the same local frame, as [`ZoneIndex::nearby_where`] returns them. Both come from one candidate query
/// and one nearest-edge search per part: the frame, the segments and the arithmetic are those of `nearby_where`
/// (point-to-segment squared distance, minimum over the zone's parts), so the distances are the same numbers, found
/// without a second window search over the stripes (8 % of a point assessment). Other sites get no nearby list here.
/// With `cells` (built from the same index and config, listing every zone `nearby`'s filter keeps), a point's
/// candidates come from its cell's list instead of the R-tree.
pub fn near_and_nearby(
    index: &ZoneIndex,
    config: &ProximityConfig,
    site: &Site,
    exclude: &[ZoneId],
    nearby: Option<(f64, &dyn Fn(&Zone) -> bool)>,
    cells: Option<&NearCells>,
) -> (Vec<Near>, Vec<Nearby>) {
    let bands_of = config.bands_by_kind();
    // `config.reach_m()`, from the band lists already looked up (each lookup is a map search).
    let reach = reach_of(&bands_of);
    let Some(rect) = site.bounding_rect() else { return (vec![], vec![]) };
    let nearby = nearby.filter(|_| matches!(site, Site::Point(_)));
    let search = reach.max(nearby.map_or(0.0, |(r, _)| r));
    if search <= 0.0 {
        return (vec![], vec![]);
    }
    let origin = rect.center();
    let frame = LocalFrame::at(origin);
    // Back from the frame to lon/lat: the frame is linear, so one metre east/north is a fixed number of degrees.
    let (lon_per_m, lat_per_m) = frame.degrees(1.0);
    let lon_lat = |c: Coord<f64>| Coord { x: origin.x + c.x * lon_per_m, y: origin.y + c.y * lat_per_m };
    let grown = search_window(rect, &frame, search);
    let local_site = frame.site(site);
    let to_local = |c: Coord<f64>| frame.point(Point(c)).0;
    // Lines and footprints: their rings in the frame with block boxes, for the indexed nearest-pair search.
    let lines = LocalLines::new(site, to_local);
    let mut scratch = PointScratch::default();
    let bands = |kind: ZoneKind| bands_of[kind as usize];
    // A point has about six zones within 5 km: room for them without regrowing.
    let mut nearby_found: Vec<Nearby> = Vec::with_capacity(8);
    // (zone, pair in lon/lat, distance, exact): the distance is first the short-line formula's, Karney's where that
    // could change the answer (see below).
    let mut found: Vec<(ZoneId, Coord<f64>, Coord<f64>, f64, bool)> = Vec::with_capacity(8);
    let mut short_from: Option<ShortGeodesic> = None;
    // Zones the site touches, and zones of kinds without bands that the nearby list does not keep, are skipped
    // before their parts are listed.
    let wanted = |zone: ZoneId| {
        let z = index.zone(zone);
        !exclude.contains(&zone) && (!bands(z.kind()).is_empty() || nearby.is_some_and(|(_, keep)| keep(z)))
    };
    let listed = match (cells, site) {
        (Some(cells), Site::Point(p)) => cells.parts_near(index, p.0, search, grown, wanted),
        _ => None,
    };
    let candidates = listed.unwrap_or_else(|| index.indexed_parts_in_rect(grown, wanted));
    if let Site::Point(q) = &local_site {
        prefetch_nearest_runs(&candidates, q.0, &frame);
    }
    for zone_parts in candidates.chunk_by(|a, b| a.0 == b.0) {
        let zone = zone_parts[0].0;
        let parts = zone_parts.iter().map(|(_, _, p)| p);
        let z = index.zone(zone);
        let kind = z.kind();
        let largest = bands(kind).last().copied();
        let radius = nearby.and_then(|(r, keep)| keep(z).then_some(r));
        // Farther than this, no pair can matter (1 % frame margin, plus a metre).
        let limit = largest.unwrap_or(0.0).max(radius.unwrap_or(0.0)) * 1.01 + 1.0;
        // The nearest pair by distance (the first part holding it), and for the nearby list the smallest squared
        // distance: the same part but for ties within a rounding of the square root.
        let mut best: Option<(Coord<f64>, Coord<f64>, f64)> = None;
        let mut best_d2 = f64::INFINITY;
        for p in parts {
            // Parts whose box is farther than the kind's largest band (or the nearby radius) cannot be within it
            // (1 % frame margin). The box comes from the R-tree entry, not from walking the part's vertices.
            let gap = box_distance(to_local(p.bbox.min()), to_local(p.bbox.max()), &local_site);
            if !(largest.is_some_and(|l| gap <= l * 1.01) || radius.is_some_and(|r| gap <= r * 1.01)) {
                continue;
            }
            let pair = match &local_site {
                // Points, the common case: only the segments near the point, read from the segment index.
                Site::Point(q) => nearest_on_part_with(q.0, p, &frame, limit * limit, &mut scratch).map(|(q, p, d2)| {
                    best_d2 = best_d2.min(d2);
                    (q, p, d2.sqrt())
                }),
                _ => nearest_pair_indexed(&lines, p, &to_local, limit),
            };
            if let Some(pair) = pair {
                if best.is_none_or(|b| pair.2.total_cmp(&b.2).is_lt()) {
                    best = Some(pair);
                }
            }
        }
        if let Some(r) = radius {
            // A zone exactly at the radius is still within it (as in `nearby_where`).
            if best_d2 <= r * r * (1.0 + 1e-12) + 1e-12 {
                nearby_found.push(Nearby { zone, distance_m: best_d2.sqrt() });
            }
        }
        let (Some(largest), Some((a, b, _))) = (largest, best) else { continue };
        let (a, b) = (lon_lat(a), lon_lat(b));
        // A point site's end `a` is the same for every zone: its sines are taken once.
        let from = match short_from {
            Some(f) if f.a == a => f,
            _ => *short_from.insert(ShortGeodesic::from(a)),
        };
        let (d, exact) = match from.to(b) {
            // Within the bound of a band's edge or of a 0.05 m rounding edge, only Karney's value decides.
            Some(d) if !bands(kind).iter().any(|e| (d - e).abs() <= SHORT_GEODESIC_MAX_ERR_M) && !near_rounding_edge(d) => (d, false),
            _ => (Geodesic.distance(Point(a), Point(b)), true),
        };
        if band_in(bands(kind), d).is_some() && d <= largest {
            found.push((zone, a, b, d, exact));
        }
    }
    nearby_found.sort_by(|a, b| a.distance_m.total_cmp(&b.distance_m).then(a.zone.cmp(&b.zone)));
    // Nearest first, as Karney's distances order them: two short-line distances closer than twice the formula's
    // error bound are both replaced by Karney's, so every pair left is ordered as the exact distances order it (the
    // sort is stable, so ties keep zone order as before).
    if found.len() > 1 {
        let mut order: Vec<usize> = (0..found.len()).collect();
        order.sort_by(|i, j| found[*i].3.total_cmp(&found[*j].3));
        for w in 1..order.len() {
            let (i, j) = (order[w - 1], order[w]);
            if (found[j].3 - found[i].3).abs() < 2.0 * SHORT_GEODESIC_MAX_ERR_M {
                for k in [i, j] {
                    if !found[k].4 {
                        found[k].3 = Geodesic.distance(Point(found[k].1), Point(found[k].2));
                        found[k].4 = true;
                    }
                }
            }
        }
    }
    found.sort_by(|x, y| x.3.total_cmp(&y.3));
    let near = found
        .into_iter()
        .filter_map(|(zone, _, _, d, _)| Some(Near { zone, distance_m: d, band_m: band_in(bands(index.zone(zone).kind()), d)? }))
        .collect();
    (near, nearby_found)
}

/// Largest error of [`ShortGeodesic`] against Karney's geodesic, metres, with a wide margin: the unit test
/// `short_geodesic_agrees_with_karney` measures it on random pairs up to [`SHORT_GEODESIC_MAX_M`] (below 1e-6 m).
const SHORT_GEODESIC_MAX_ERR_M: f64 = 1e-4;
/// Longest distance [`ShortGeodesic`] answers; beyond it Karney's inverse is used.
const SHORT_GEODESIC_MAX_M: f64 = 20_000.0;

/// For a point site, asks the processor to fetch, for every candidate part, its group and run boxes and the
/// coordinates of the run the search will read first (the nearest group's nearest run by box) before the search
/// starts. A point's parts lie at random places in a dataset far larger than the cache and the search reaches them one
/// after the other; asked for all at once, their cache misses overlap instead of queueing. Parts of more than
/// [`PREFETCH_MAX_RUNS`] runs are left to the search. Hints only (see [`crate::prefetch`]).
fn prefetch_nearest_runs(candidates: &[(ZoneId, usize, IndexedPart)], q: Coord<f64>, frame: &LocalFrame) {
    use crate::prefetch::prefetch;
    // First every part's group and run boxes, which the choice of run below reads, and its ring starts.
    for (_, _, p) in candidates {
        p.segs.prefetch_search_data(PREFETCH_MAX_RUNS);
    }
    // Then the run the search reads first: the nearest by box in the nearest group.
    let nearest = |boxes: &[Box32]| boxes.iter().enumerate().map(|(k, b)| (k, box_bound2(q, &widen(b), frame))).min_by(|a, b| a.1.total_cmp(&b.1)).map(|m| m.0);
    for (_, _, p) in candidates {
        let (groups, runs) = (p.segs.group_boxes(), p.segs.run_boxes());
        if runs.len() > PREFETCH_MAX_RUNS {
            continue;
        }
        let Some(g) = nearest(groups) else { continue };
        let first = g * GROUP;
        let Some(c) = nearest(&runs[first..(first + GROUP).min(runs.len())]).map(|k| first + k) else { continue };
        // Four coordinates to a 64-byte line.
        p.segs.run_slices(p.polygon, c, |_, v| v.iter().step_by(4).for_each(|c| prefetch(c)));
    }
}

/// See [`prefetch_nearest_runs`].
const PREFETCH_MAX_RUNS: usize = 64;

/// Squared distance from frame point `q` to a box `[x0, y0, x1, y1]` in lon/lat, taken to the frame, lowered by a
/// rounding margin: a lower bound of the squared distance to anything in the box.
#[inline]
fn box_bound2(q: Coord<f64>, b: &[f64; 4], frame: &LocalFrame) -> f64 {
    let (lo, hi) = (frame.coord(Coord { x: b[0], y: b[1] }), frame.coord(Coord { x: b[2], y: b[3] }));
    let dx = (lo.x - q.x).max(q.x - hi.x).max(0.0);
    let dy = (lo.y - q.y).max(q.y - hi.y).max(0.0);
    (dx * dx + dy * dy) * (1.0 - 1e-9) - 1e-9
}

/// Whether a distance is within the error bound of a rounding edge of the answer's 0.1 m (`x.x5` m).
fn near_rounding_edge(d: f64) -> bool {
    let t = d * 10.0;
    ((t - t.floor()) - 0.5).abs() * 0.1 <= SHORT_GEODESIC_MAX_ERR_M
}

/// Ellipsoidal (WGS84) distance between two lon/lat points a few kilometres apart, without Karney's series: the
/// straight chord between their earth-centred coordinates, lengthened to the arc of the normal section's radius of
/// curvature (Euler's, along the chord's azimuth) — `s = c + c³ / 24R²`. Over 20 km the terms left out are below a
/// micrometre, where Karney's inverse costs 5,000 instructions (12 % of a point assessment, one per proximity
/// finding). [`ShortGeodesic::to`] gives `None` beyond [`SHORT_GEODESIC_MAX_M`]. Callers fall back to Karney where the error could change a
/// rounded or compared value.
///
/// Built from one end, `a`: what depends on `a` alone is computed once for the distances from a point to every zone
/// near it.
#[derive(Clone, Copy)]
struct ShortGeodesic {
    a: Coord<f64>,
    phi1: f64,
    s1: f64,
    c1: f64,
    w1: f64,
    n1: f64,
}

impl ShortGeodesic {
    const A: f64 = 6_378_137.0;
    const F: f64 = 1.0 / 298.257_223_563;
    const E2: f64 = Self::F * (2.0 - Self::F);

    fn from(a: Coord<f64>) -> ShortGeodesic {
        let phi1 = a.y.to_radians();
        let (s1, c1) = phi1.sin_cos();
        let w1 = 1.0 - Self::E2 * s1 * s1;
        ShortGeodesic { a, phi1, s1, c1, w1, n1: Self::A / w1.sqrt() }
    }

    #[cfg(test)]
    fn from_to(a: Coord<f64>, b: Coord<f64>) -> Option<f64> {
        ShortGeodesic::from(a).to(b)
    }

    fn to(&self, b: Coord<f64>) -> Option<f64> {
        let (a, e2) = (self.a, Self::E2);
        let phi2 = b.y.to_radians();
        let dlon = match (b.x - a.x).to_radians() {
            // Across the antimeridian: the shorter way round (the azimuth below needs it).
            d if d > std::f64::consts::PI => d - std::f64::consts::TAU,
            d if d < -std::f64::consts::PI => d + std::f64::consts::TAU,
            d => d,
        };
        let ((s1, c1), (s2, c2), (sl, cl)) = ((self.s1, self.c1), phi2.sin_cos(), dlon.sin_cos());
        let (w1, n1) = (self.w1, self.n1);
        let n2 = Self::A / (1.0 - e2 * s2 * s2).sqrt();
        // Earth-centred coordinates with the x axis in a's meridian plane.
        let dx = n2 * c2 * cl - n1 * c1;
        let dy = n2 * c2 * sl;
        let dz = (1.0 - e2) * (n2 * s2 - n1 * s1);
        let chord2 = dx * dx + dy * dy + dz * dz;
        let chord = chord2.sqrt();
        if !(chord <= SHORT_GEODESIC_MAX_M) {
            return None;
        }
        // Radii of curvature at a (meridian m, prime vertical n1); over 20 km their change moves the result < 1e-7 m.
        let m = Self::A * (1.0 - e2) / (w1 * w1.sqrt());
        let (east, north) = (n1 * c1 * dlon, m * (phi2 - self.phi1));
        let h2 = east * east + north * north;
        let inv_r = if h2 > 0.0 { (north * north / m + east * east / n1) / h2 } else { 1.0 / m };
        Some(chord + chord * chord2 * inv_r * inv_r / 24.0)
    }
}

/// Planar distance from the site (its bounding box, in the frame) to a box given by two local corners; 0 if they meet.
fn box_distance(min: Coord<f64>, max: Coord<f64>, site: &Site) -> f64 {
    let (smin, smax) = match site.bounding_rect() {
        Some(r) => (r.min(), r.max()),
        None => return f64::INFINITY,
    };
    let dx = (min.x - smax.x).max(smin.x - max.x).max(0.0);
    let dy = (min.y - smax.y).max(smin.y - max.y).max(0.0);
    dx.hypot(dy)
}

/// The point of a polygon's rings (outer and holes) nearest to local point `q`, walking the edges in lon/lat and
/// projecting each vertex on the fly: [`nearest_pair`] for a point without copying the part.
/// The reference for [`nearest_on_part`] (tests).
#[cfg(test)]
fn nearest_on_rings(q: Coord<f64>, part: &Polygon<f64>, to_local: &dyn Fn(Coord<f64>) -> Coord<f64>) -> Option<(Coord<f64>, Coord<f64>, f64)> {
    let mut best: Option<(Coord<f64>, f64)> = None;
    for ring in std::iter::once(part.exterior()).chain(part.interiors()) {
        let mut prev: Option<Coord<f64>> = None;
        for c in ring.coords() {
            let b = to_local(*c);
            if let Some(a) = prev {
                let d = b - a;
                let len2 = d.x * d.x + d.y * d.y;
                let t = if len2 > 0.0 { (((q.x - a.x) * d.x + (q.y - a.y) * d.y) / len2).clamp(0.0, 1.0) } else { 0.0 };
                let p = Coord { x: a.x + d.x * t, y: a.y + d.y * t };
                let dist2 = (p.x - q.x).powi(2) + (p.y - q.y).powi(2);
                if best.is_none_or(|(_, bd)| dist2 < bd) {
                    best = Some((p, dist2));
                }
            }
            prev = Some(b);
        }
    }
    best.map(|(p, d2)| (q, p, d2.sqrt()))
}

/// [`nearest_on_rings`] without reading every vertex: the nearest point of the walk over the part's segments in
/// ring order, found from the runs of segments ([`crate::segindex::CHUNK`]) whose box (precomputed at load) can hold
/// it. The walk keeps the first segment at the smallest distance, so the point returned is that of the lowest-numbered
/// segment at the smallest distance; any search that never skips a run holding such a segment finds the same one.
/// This one searches nearest run first: one pass takes every run's box distance (a lower bound for its segments),
/// the nearest run gives a best distance, and only the runs whose bound does not exceed it are read after that —
/// usually one or two, where the walk in ring order read every run until it happened on a near one.
#[cfg(test)]
fn nearest_on_part(q: Coord<f64>, part: &IndexedPart, frame: &LocalFrame) -> Option<(Coord<f64>, Coord<f64>, f64)> {
    nearest_on_part_with(q, part, frame, f64::INFINITY, &mut PointScratch::default()).map(|(q, p, d2)| (q, p, d2.sqrt()))
}

/// [`nearest_on_part`] with a caller's buffer (no allocation once it has grown), returning the squared distance
/// (what the nearby list compares, as `nearby_where` does).
///
/// Best first over two levels of boxes computed at load: the part's groups of [`GROUP`] runs nearest first, and in
/// each group its runs nearest first; a group or run whose box distance (a lower bound of its segments', with a
/// margin for rounding) exceeds the best distance so far cannot hold the walk's point and is never read. What is
/// read is a superset of the runs holding a segment at the final distance, and the lowest-numbered such segment
/// wins, so the point is the walk's whatever the order. (Measured: visiting groups and runs in their own order
/// after the nearest one, without sorting, and testing each segment's box before projecting on it, cost 11 % more.)
///
/// Only a nearest point within `within2` (squared, in the frame) is wanted: `None` when the part has none. Until a
/// best is found, groups and runs whose bound exceeds `within2` are not read either (a part whose box is within
/// reach while its edges are not is then decided from its boxes alone); the run holding a segment within `within2`
/// has a bound within it, so whenever the walk's point is within `within2` it is found as before.
fn nearest_on_part_with(
    q: Coord<f64>,
    part: &IndexedPart,
    frame: &LocalFrame,
    within2: f64,
    scratch: &mut PointScratch,
) -> Option<(Coord<f64>, Coord<f64>, f64)> {
    let bound = |b: &Box32| box_bound2(q, &widen(b), frame);
    let segs = part.segs;
    let runs = segs.run_boxes();
    let PointScratch { groups, stretch } = scratch;
    groups.clear();
    groups.extend(segs.group_boxes().iter().enumerate().map(|(g, b)| (bound(b), g as u32)));
    groups.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
    // (segment number, its ends in the frame, squared distance): the lowest number wins a tie, as in the walk.
    let mut best: Option<(usize, Coord<f64>, Coord<f64>, f64)> = None;
    let mut in_group = [(0.0f64, 0usize); GROUP];
    let cap = |best: &Option<(usize, Coord<f64>, Coord<f64>, f64)>| best.map_or(within2, |b| b.3);
    for &(glb, g) in groups.iter() {
        if glb > cap(&best) {
            break;
        }
        let first = g as usize * GROUP;
        let these = &runs[first..(first + GROUP).min(runs.len())];
        for (k, b) in these.iter().enumerate() {
            in_group[k] = (bound(b), first + k);
        }
        let in_group = &mut in_group[..these.len()];
        in_group.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
        for &(lb, c) in in_group.iter() {
            if lb > cap(&best) {
                break;
            }
            segs.run_slices(part.polygon, c, |g, v| {
                let (k, d2) = stretch.nearest(q, v, frame);
                if best.is_none_or(|(bg, _, _, bd)| d2 < bd || (d2 == bd && g + k < bg)) {
                    best = Some((g + k, stretch.at(k), stretch.at(k + 1), d2));
                }
            });
        }
    }
    best.filter(|b| b.3 <= within2).map(|(_, a, b, d2)| (q, segment_point(q, a, b).0, d2))
}

/// The point of segment `ab` nearest to `q` and its squared distance, all in the frame. The one formula both the
/// search ([`Stretch::nearest`]) and the point it returns use, so the point is the one whose distance won.
#[inline(always)]
fn segment_point(q: Coord<f64>, a: Coord<f64>, b: Coord<f64>) -> (Coord<f64>, f64) {
    let d = b - a;
    let len2 = d.x * d.x + d.y * d.y;
    let t = if len2 > 0.0 { (((q.x - a.x) * d.x + (q.y - a.y) * d.y) / len2).clamp(0.0, 1.0) } else { 0.0 };
    let p = Coord { x: a.x + d.x * t, y: a.y + d.y * t };
    (p, (p.x - q.x) * (p.x - q.x) + (p.y - q.y) * (p.y - q.y))
}

/// Buffers of the point search, made once per query and reused for every part.
#[derive(Default)]
struct PointScratch {
    /// (lower bound, group) of the part's groups of runs.
    groups: Vec<(f64, u32)>,
    stretch: Stretch,
}

/// A stretch of at most [`CHUNK`] segments taken to the frame, as separate x and y arrays: each vertex is converted
/// once (not once per segment end), the squared distances of all its segments are computed in one branch-free pass
/// (four at a time with AVX where the processor has it), then the first smallest is picked. This is the inner loop
/// of the point search, about a third of a point assessment before it was written so.
struct Stretch {
    xs: [f64; CHUNK + 1],
    ys: [f64; CHUNK + 1],
    d2: [f64; CHUNK],
}

impl Default for Stretch {
    fn default() -> Self {
        Stretch { xs: [0.0; CHUNK + 1], ys: [0.0; CHUNK + 1], d2: [0.0; CHUNK] }
    }
}

impl Stretch {
    /// The first segment of `v.windows(2)` (at most [`CHUNK`]) at the smallest squared distance from frame point
    /// `q`, and that distance; `(0, ∞)` for fewer than two vertices.
    #[inline]
    fn nearest(&mut self, q: Coord<f64>, v: &[Coord<f64>], frame: &LocalFrame) -> (usize, f64) {
        let v = &v[..v.len().min(CHUNK + 1)];
        let n = v.len().saturating_sub(1);
        for (k, c) in v.iter().enumerate() {
            let l = frame.coord(*c);
            self.xs[k] = l.x;
            self.ys[k] = l.y;
        }
        let min = squared_distances(q, &self.xs[..=n], &self.ys[..=n], &mut self.d2[..n]);
        // The first segment at the minimum (distances are never NaN: the frame's coordinates are finite).
        (self.d2[..n].iter().position(|d2| *d2 == min).unwrap_or(0), min)
    }

    /// Vertex `k` of the last stretch, in the frame.
    fn at(&self, k: usize) -> Coord<f64> {
        Coord { x: self.xs[k], y: self.ys[k] }
    }
}

/// `out[k]` = the squared distance from `q` to segment `k` (from vertex `k` to `k + 1` of `xs`/`ys`); the smallest
/// is returned (∞ for no segment). See [`segment_distances`].
fn squared_distances(q: Coord<f64>, xs: &[f64], ys: &[f64], out: &mut [f64]) -> f64 {
    assert!(xs.len() == out.len() + 1 && ys.len() == xs.len());
    let n = out.len();
    segment_distances(q, [&xs[..n], &ys[..n], &xs[1..], &ys[1..]], out)
}

/// `out[k]` = the squared distance from `q` to the segment from `(ax[k], ay[k])` to `(bx[k], by[k])`, by
/// [`segment_point`]'s arithmetic: with AVX the same IEEE operations four lanes at a time (no fused multiply-add, and
/// the clamp's and the zero-length test's edge cases kept), so the numbers are bit for bit the scalar ones. Returns
/// the smallest (∞ for no segment).
fn segment_distances(q: Coord<f64>, [ax, ay, bx, by]: [&[f64]; 4], out: &mut [f64]) -> f64 {
    assert!([ax.len(), ay.len(), bx.len(), by.len()].iter().all(|l| *l == out.len()));
    let (mut done, mut min) = (0, f64::INFINITY);
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx") {
        // SAFETY: the processor has AVX (checked above); the lengths are checked by the assert.
        (done, min) = unsafe { segment_distances_avx(q, [ax, ay, bx, by], out) };
    }
    for k in done..out.len() {
        out[k] = segment_point(q, Coord { x: ax[k], y: ay[k] }, Coord { x: bx[k], y: by[k] }).1;
        min = min.min(out[k]);
    }
    min
}

/// [`segment_distances`] four segments at a time; returns how many it did (a multiple of four) and their minimum.
///
/// # Safety
/// The processor must have AVX; the four arrays must be as long as `out`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
unsafe fn segment_distances_avx(q: Coord<f64>, [xa, ya, xb, yb]: [&[f64]; 4], out: &mut [f64]) -> (usize, f64) {
    use std::arch::x86_64::*;
    let (qx, qy) = (_mm256_set1_pd(q.x), _mm256_set1_pd(q.y));
    let (zero, one) = (_mm256_setzero_pd(), _mm256_set1_pd(1.0));
    let (mut k, mut min) = (0, _mm256_set1_pd(f64::INFINITY));
    while k + 4 <= out.len() {
        let (ax, bx) = (_mm256_loadu_pd(xa.as_ptr().add(k)), _mm256_loadu_pd(xb.as_ptr().add(k)));
        let (ay, by) = (_mm256_loadu_pd(ya.as_ptr().add(k)), _mm256_loadu_pd(yb.as_ptr().add(k)));
        let (dx, dy) = (_mm256_sub_pd(bx, ax), _mm256_sub_pd(by, ay));
        let len2 = _mm256_add_pd(_mm256_mul_pd(dx, dx), _mm256_mul_pd(dy, dy));
        let along = _mm256_add_pd(_mm256_mul_pd(_mm256_sub_pd(qx, ax), dx), _mm256_mul_pd(_mm256_sub_pd(qy, ay), dy));
        // `clamp(0, 1)`: max/min return their second operand on equality and NaN, as clamp keeps its value.
        let t = _mm256_min_pd(one, _mm256_max_pd(zero, _mm256_div_pd(along, len2)));
        // A zero-length segment: t = 0 (the division above gave NaN or infinity there, now dropped).
        let t = _mm256_blendv_pd(zero, t, _mm256_cmp_pd::<_CMP_GT_OQ>(len2, zero));
        let ex = _mm256_sub_pd(_mm256_add_pd(ax, _mm256_mul_pd(dx, t)), qx);
        let ey = _mm256_sub_pd(_mm256_add_pd(ay, _mm256_mul_pd(dy, t)), qy);
        let d2 = _mm256_add_pd(_mm256_mul_pd(ex, ex), _mm256_mul_pd(ey, ey));
        _mm256_storeu_pd(out.as_mut_ptr().add(k), d2);
        min = _mm256_min_pd(d2, min);
        k += 4;
    }
    let mut lanes = [0.0; 4];
    _mm256_storeu_pd(lanes.as_mut_ptr(), min);
    (k, lanes[0].min(lanes[1]).min(lanes[2].min(lanes[3])))
}

/// A line or footprint site's rings (lines) in the local frame, with a box per block of [`BLOCK`] segments: the
/// non-point side of [`nearest_pair_indexed`], built once per query.
struct LocalLines {
    lines: Vec<Vec<Coord<f64>>>,
    /// The same vertices as x and y arrays, for the four-lane distances.
    xs: Vec<Vec<f64>>,
    ys: Vec<Vec<f64>>,
    /// `(line, first segment, end segment, box [x0, y0, x1, y1] of the vertices first..=end)`, in line and segment
    /// order; a one-vertex line has one block of no segment.
    blocks: Vec<(usize, usize, usize, [f64; 4])>,
}

const BLOCK: usize = 32;

fn grow(b: &mut [f64; 4], c: Coord<f64>) {
    *b = [b[0].min(c.x), b[1].min(c.y), b[2].max(c.x), b[3].max(c.y)];
}

const EMPTY_BOX: [f64; 4] = [f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY];

impl LocalLines {
    fn new(site: &Site, to_local: impl Fn(Coord<f64>) -> Coord<f64>) -> LocalLines {
        let rings: Vec<&LineString<f64>> = match site {
            Site::Point(_) => vec![],
            Site::Line(ml) => ml.0.iter().collect(),
            Site::Footprint(mp) => mp.0.iter().flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors())).collect(),
        };
        let lines: Vec<Vec<Coord<f64>>> = rings.iter().map(|l| l.0.iter().map(|c| to_local(*c)).collect()).collect();
        let mut blocks = Vec::new();
        for (li, l) in lines.iter().enumerate() {
            if l.len() == 1 {
                blocks.push((li, 0, 0, [l[0].x, l[0].y, l[0].x, l[0].y]));
            }
            let n = l.len().saturating_sub(1);
            for s in (0..n).step_by(BLOCK) {
                let e = (s + BLOCK).min(n);
                let mut b = EMPTY_BOX;
                l[s..=e].iter().for_each(|c| grow(&mut b, *c));
                blocks.push((li, s, e, b));
            }
        }
        let xs = lines.iter().map(|l| l.iter().map(|c| c.x).collect()).collect();
        let ys = lines.iter().map(|l| l.iter().map(|c| c.y).collect()).collect();
        LocalLines { lines, xs, ys, blocks }
    }
}

/// Squared distance from a point to a box (0 inside).
#[inline]
fn point_box_d2(p: Coord<f64>, b: &[f64; 4]) -> f64 {
    let dx = (b[0] - p.x).max(p.x - b[2]).max(0.0);
    let dy = (b[1] - p.y).max(p.y - b[3]).max(0.0);
    dx * dx + dy * dy
}

/// Squared distance between two boxes (0 if they meet).
#[inline]
fn box_box_d2(a: &[f64; 4], b: &[f64; 4]) -> f64 {
    let dx = (a[0] - b[2]).max(b[0] - a[2]).max(0.0);
    let dy = (a[1] - b[3]).max(b[1] - a[3]).max(0.0);
    dx * dx + dy * dy
}

/// Squared distance between the farthest corners of two boxes: no point of one is farther from a point of the other.
#[inline]
fn box_box_far2(a: &[f64; 4], b: &[f64; 4]) -> f64 {
    let dx = (a[2] - b[0]).max(b[2] - a[0]);
    let dy = (a[3] - b[1]).max(b[3] - a[1]);
    dx * dx + dy * dy
}

/// Whether a squared lower bound `lb2` may still hold something at squared distance `bound2` or nearer (a margin for
/// rounding, so pruning never drops a candidate the full walk would take).
#[inline]
fn reach2(lb2: f64, bound2: f64) -> bool {
    lb2 * (1.0 - 1e-9) - 1e-9 <= bound2
}

/// geo's `Line::closest_point` of `p` (the same arithmetic, so the same point): `None` for a zero-length segment.
#[inline]
fn closest_on_segment(p: Coord<f64>, a: Coord<f64>, b: Coord<f64>) -> Option<Coord<f64>> {
    let d = b - a;
    // geo: a zero-length line (hypot 0, i.e. both deltas 0) has no single closest point.
    if d.x == 0.0 && d.y == 0.0 {
        return None;
    }
    let to_p = p - a;
    let t = (to_p.x * d.x + to_p.y * d.y) / (d.x * d.x + d.y * d.y);
    if t < 0.0 {
        Some(a)
    } else if t > 1.0 {
        Some(b)
    } else {
        Some(Coord { x: a.x + t * d.x, y: a.y + t * d.y })
    }
}

#[inline]
fn dist(a: Coord<f64>, b: Coord<f64>) -> f64 {
    let d = a - b;
    d.x.hypot(d.y)
}

/// [`nearest_pair`] for a line or footprint site without copying the part. The part's runs of [`CHUNK`] segments
/// carry boxes computed at load; pairs of a run box and a site block box bound the nearest distance from below (box
/// gap) and above (far corners), so only the runs that may hold the nearest pair are read and taken to the frame.
/// Then two phases:
/// 1. the nearest distance only, best first: box pairs nearest first, segment against segment, until no box pair
///    can be nearer;
/// 2. the pair itself as [`nearest_pair`] picks it — each site vertex with its closest point on the part's rings,
///    then each part vertex with its closest point on each site line, the first strictly nearest kept, with geo's
///    arithmetic — but reading only what lies within that distance (plus a rounding margin) of the other side.
///
/// Whatever is skipped is farther than the nearest distance, so the pair returned is the one the full walk returns
/// whenever it is nearer than `bound` (the caller's reach); nothing at `bound` or farther is returned.
fn nearest_pair_indexed(
    site: &LocalLines,
    part: &IndexedPart,
    to_local: &impl Fn(Coord<f64>) -> Coord<f64>,
    bound: f64,
) -> Option<(Coord<f64>, Coord<f64>, f64)> {
    // Every run's box in the local frame (from the load-time boxes, no segment read).
    let boxes: Vec<[f64; 4]> = part
        .segs
        .run_boxes()
        .iter()
        .map(|b| {
            let b = widen(b);
            let (lo, hi) = (to_local(Coord { x: b[0], y: b[1] }), to_local(Coord { x: b[2], y: b[3] }));
            [lo.x, lo.y, hi.x, hi.y]
        })
        .collect();
    // Box pairs (run, site block) that may come within `bound`, nearest first, and an upper bound of the nearest
    // distance: each box holds a point of its geometry, so no pair is farther apart than its boxes' far corners.
    let mut pairs: Vec<(f64, u32, u32)> = Vec::new();
    let mut upper2 = f64::INFINITY;
    for (i, zb) in boxes.iter().enumerate() {
        for (j, (_, _, _, bb)) in site.blocks.iter().enumerate() {
            let lb = box_box_d2(zb, bb);
            if reach2(lb, bound * bound) {
                pairs.push((lb, i as u32, j as u32));
                upper2 = upper2.min(box_box_far2(zb, bb));
            }
        }
    }
    if pairs.is_empty() {
        return None;
    }
    pairs.retain(|p| reach2(p.0, upper2));
    pairs.sort_by(|x, y| x.0.total_cmp(&y.0));
    // Read (and take to the frame) only the runs of those pairs, in ring order; `first[k]` is run k's place.
    let mut needed = vec![false; boxes.len()];
    pairs.iter().for_each(|p| needed[p.1 as usize] = true);
    let runs_read = needed.iter().filter(|n| **n).count();
    // The segments read, in the frame, as four arrays of their ends (a.x, a.y, b.x, b.y) for the four-lane distances;
    // each vertex of a run's stretch taken to the frame once.
    let mut ends: [Vec<f64>; 4] = std::array::from_fn(|_| Vec::with_capacity(runs_read * CHUNK));
    let mut first = vec![u32::MAX; boxes.len()];
    let mut stretch: Vec<Coord<f64>> = Vec::with_capacity(CHUNK + 1);
    for c in (0..boxes.len()).filter(|c| needed[*c]) {
        first[c] = ends[0].len() as u32;
        part.segs.run_slices(part.polygon, c, |_, v| {
            stretch.clear();
            stretch.extend(v.iter().map(|c| to_local(*c)));
            for w in stretch.windows(2) {
                for (e, x) in ends.iter_mut().zip([w[0].x, w[0].y, w[1].x, w[1].y]) {
                    e.push(x);
                }
            }
        });
    }
    // Every run is CHUNK segments but possibly the part's last, which is also the last read.
    let run_ends = |i: usize| {
        let (s, n) = (first[i] as usize, ends[0].len());
        let r = s.min(n)..(s + CHUNK).min(n);
        [&ends[0][r.clone()], &ends[1][r.clone()], &ends[2][r.clone()], &ends[3][r]]
    };
    // Run i's segments as (a, b).
    let run = |i: usize| {
        let [ax, ay, bx, by] = run_ends(i);
        (0..ax.len()).map(move |k| (Coord { x: ax[k], y: ay[k] }, Coord { x: bx[k], y: by[k] }))
    };
    let mut d2s = [0.0f64; CHUNK];
    let mut block_d2s = [0.0f64; BLOCK];

    // 1. The nearest distance (squared) between vertices and segments, any order: the pair phase below compares
    // only vertex candidates (a site vertex and its closest point on the part, or the reverse), so their smallest
    // distance is all the cut needs. (Where edges cross, the segments are nearer than any vertex pair; the pair
    // phase still finds its candidate within this cut.)
    let mut best2 = f64::INFINITY;
    for &(lb, i, j) in &pairs {
        if !reach2(lb, best2) {
            break;
        }
        let (li, s, e, bb) = site.blocks[j as usize];
        let (l, xs, ys) = (&site.lines[li], &site.xs[li], &site.ys[li]);
        let (ends, rb) = (run_ends(i as usize), &boxes[i as usize]);
        let d2s = &mut d2s[..ends[0].len()];
        // Each vertex only where the other side's box could hold something nearer than the best so far.
        for &p in &l[s..=e] {
            if reach2(point_box_d2(p, rb), best2) {
                best2 = best2.min(segment_distances(p, ends, d2s));
            }
        }
        if e > s {
            let block_d2s = &mut block_d2s[..e - s];
            for (a, b) in run(i as usize) {
                for v in [a, b] {
                    if reach2(point_box_d2(v, &bb), best2) {
                        best2 = best2.min(squared_distances(v, &xs[s..=e], &ys[s..=e], block_d2s));
                    }
                }
            }
        }
    }
    if !reach2(best2, bound * bound) {
        return None;
    }
    let cut = best2.sqrt() * (1.0 + 1e-9) + 1e-9;
    let cut2 = cut * cut;

    // 2. The pair, in the full walk's order, among what lies within `cut`.
    let mut by_block: Vec<(u32, u32)> = pairs.iter().filter(|p| reach2(p.0, cut2)).map(|&(_, i, j)| (j, i)).collect();
    by_block.sort_unstable();
    let mut by_run: Vec<(u32, u32)> = by_block.iter().map(|&(j, i)| (i, j)).collect();
    by_run.sort_unstable();
    let mut best: Option<(Coord<f64>, Coord<f64>, f64)> = None;
    let accept = |best: &Option<(Coord<f64>, Coord<f64>, f64)>, d: f64| d <= cut && d < bound && best.is_none_or(|b| d < b.2);
    // Site vertices, each with its closest point on the part's rings (the later of equally near segments).
    for group in by_block.chunk_by(|x, y| x.0 == y.0) {
        let (li, s, e, _) = site.blocks[group[0].0 as usize];
        let l = &site.lines[li];
        let last = if e + 1 == l.len() { e + 1 } else { e };
        for &p in &l[s..last] {
            let mut near: Option<(Coord<f64>, f64)> = None;
            for &(_, i) in group {
                if !reach2(point_box_d2(p, &boxes[i as usize]), cut2) {
                    continue;
                }
                // Segments farther than the cut cannot hold the vertex's candidate (the distances here and geo's
                // below differ by rounding, far inside reach2's margin).
                let ends = run_ends(i as usize);
                let d2s = &mut d2s[..ends[0].len()];
                segment_distances(p, ends, d2s);
                for ((a, b), &d2) in run(i as usize).zip(d2s.iter()) {
                    if !reach2(d2, cut2) {
                        continue;
                    }
                    if let Some(c) = closest_on_segment(p, a, b) {
                        let d = dist(c, p);
                        if near.is_none_or(|n| d <= n.1) {
                            near = Some((c, d));
                        }
                    }
                }
            }
            if let Some((q, d)) = near {
                if accept(&best, d) {
                    best = Some((p, q, d));
                }
            }
        }
    }
    // Part vertices, each with its closest point on each site line (the later of equally near segments).
    for group in by_run.chunk_by(|x, y| x.0 == y.0) {
        for (z, _) in run(group[0].0 as usize) {
            for li in 0..site.lines.len() {
                let mut near: Option<(Coord<f64>, f64)> = None;
                for &(_, j) in group {
                    let (lj, s, e, bb) = site.blocks[j as usize];
                    if lj != li || !reach2(point_box_d2(z, &bb), cut2) {
                        continue;
                    }
                    let (l, xs, ys) = (&site.lines[li], &site.xs[li], &site.ys[li]);
                    let block_d2s = &mut block_d2s[..e - s];
                    squared_distances(z, &xs[s..=e], &ys[s..=e], block_d2s);
                    for k in s..e {
                        let (a, b) = (l[k], l[k + 1]);
                        if !reach2(block_d2s[k - s], cut2) {
                            continue;
                        }
                        if let Some(c) = closest_on_segment(z, a, b) {
                            let d = dist(c, z);
                            if near.is_none_or(|n| d <= n.1) {
                                near = Some((c, d));
                            }
                        }
                    }
                }
                if let Some((q, d)) = near {
                    if accept(&best, d) {
                        best = Some((q, z, d));
                    }
                }
            }
        }
    }
    best
}

/// The nearest pair (site point, zone point) and their planar distance, in the local frame (the reference for
/// [`nearest_pair_indexed`], tests). Between two
/// geometries that do not meet, the shortest distance is reached at a vertex of one of them, so it is enough to
/// take every vertex of each to its closest point on the other.
#[cfg(test)]
fn nearest_pair(site: &Site, zone: &Polygon<f64>) -> Option<(Coord<f64>, Coord<f64>, f64)> {
    let closest_on = |g: &dyn Fn(Point<f64>) -> Closest<f64>, p: Point<f64>| match g(p) {
        Closest::Intersection(q) | Closest::SinglePoint(q) => Some(q),
        Closest::Indeterminate => None,
    };
    let zone_rings = || std::iter::once(zone.exterior()).chain(zone.interiors());
    let to_zone = |p: Point<f64>| {
        zone_rings()
            .filter_map(|r| closest_on(&|q| r.closest_point(&q), p))
            .min_by(|a, b| Euclidean.distance(*a, p).total_cmp(&Euclidean.distance(*b, p)))
    };
    let mut best: Option<(Coord<f64>, Coord<f64>, f64)> = None;
    let mut consider = |s: Coord<f64>, z: Coord<f64>| {
        let d = Euclidean.distance(Point(s), Point(z));
        if best.is_none_or(|b| d < b.2) {
            best = Some((s, z, d));
        }
    };
    let site_lines: Vec<&LineString<f64>> = match site {
        Site::Point(p) => {
            let q = to_zone(*p)?;
            return Some((p.0, q.0, Euclidean.distance(*p, q)));
        }
        Site::Line(ml) => ml.0.iter().collect(),
        Site::Footprint(mp) => mp.0.iter().flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors())).collect(),
    };
    for l in &site_lines {
        for c in l.coords() {
            if let Some(q) = to_zone(Point(*c)) {
                consider(*c, q.0);
            }
        }
    }
    for r in zone_rings() {
        for c in r.coords() {
            for l in &site_lines {
                if let Some(q) = closest_on(&|p| l.closest_point(&p), Point(*c)) {
                    consider(q.0, *c);
                }
            }
        }
    }
    best
}

/// The nearest zone of each kind in a list sorted nearest first.
pub fn nearest_per_kind(index: &ZoneIndex, near: &[Near]) -> BTreeMap<ZoneKind, Near> {
    let mut out = BTreeMap::new();
    for n in near {
        out.entry(index.zone(n.zone).kind()).or_insert(*n);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Seeded uniform numbers in [0, 1) (a 64-bit LCG's top 53 bits): reproducible test inputs.
    fn uniform(mut seed: u64) -> impl FnMut() -> f64 {
        move || {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (seed >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    /// The indexed point search from `at` returns the full walk's nearest point (ties included).
    fn assert_search_finds_the_walks_point(at: Coord<f64>, poly: &Polygon<f64>, part: &IndexedPart) {
        let frame = LocalFrame::at(at);
        let q = frame.point(Point(at)).0;
        let walk = nearest_on_rings(q, poly, &|c| frame.point(Point(c)).0).expect("walk");
        assert_eq!(nearest_on_part(q, part, &frame), Some(walk), "at {at:?}");
    }

    #[test]
    fn bands_pick_the_smallest_that_holds_the_distance() {
        let c = ProximityConfig::default();
        assert_eq!(c.band_of(ZoneKind::RedLine, 300.0), Some(500.0));
        assert_eq!(c.band_of(ZoneKind::RedLine, 500.0), Some(500.0));
        assert_eq!(c.band_of(ZoneKind::RedLine, 501.0), Some(1000.0));
        assert_eq!(c.band_of(ZoneKind::RedLine, 5001.0), None);
        assert_eq!(c.band_of(ZoneKind::ControlUnit, 1.0), None);
        assert_eq!(c.reach_m(), 5000.0);
        assert_eq!(band_label(500.0), "≤500 m");
        assert_eq!(band_label(1000.0), "≤1 km");
        assert_eq!(band_label(2500.0), "≤2.5 km");
    }

    #[test]
    fn the_point_fast_path_finds_the_same_nearest_point_as_the_general_one() {
        use geo::polygon;
        let part = polygon![(x: 0.0, y: 0.0), (x: 10.0, y: 0.0), (x: 10.0, y: 10.0), (x: 0.0, y: 10.0), (x: 0.0, y: 0.0)];
        for q in [Coord { x: 13.0, y: 4.0 }, Coord { x: -3.0, y: -4.0 }, Coord { x: 5.0, y: 12.0 }] {
            let fast = nearest_on_rings(q, &part, &|c| c).expect("fast");
            let general = nearest_pair(&Site::Point(Point(q)), &part).expect("general");
            assert!((fast.2 - general.2).abs() < 1e-9 && fast.1 == general.1, "{fast:?} vs {general:?}");
        }
    }

    #[test]
    fn the_indexed_point_search_returns_the_walks_nearest_point() {
        use crate::segindex::SegIndex;
        use geo::BoundingRect;
        // A wiggly ring of 2,000 vertices with a hole, about 2 km across, near 113°E 34°N.
        let ring = |r_m: f64, n: usize, phase: f64| {
            let frame = LocalFrame::at(Coord { x: 113.0, y: 34.0 });
            let (lon, lat) = frame.degrees(1.0);
            let mut v: Vec<Coord<f64>> = (0..n)
                .map(|i| {
                    let t = i as f64 / n as f64 * std::f64::consts::TAU;
                    let r = r_m * (1.0 + 0.1 * (7.0 * t + phase).sin());
                    Coord { x: 113.0 + r * t.cos() * lon, y: 34.0 + r * t.sin() * lat }
                })
                .collect();
            v.push(v[0]);
            LineString(v)
        };
        let poly = Polygon::new(ring(1000.0, 2000, 0.0), vec![ring(300.0, 300, 1.0)]);
        let part = IndexedPart { polygon: &poly, bbox: poly.bounding_rect().expect("box"), segs: &SegIndex::new(&poly) };
        let mut next = uniform(7u64);
        for _ in 0..2_000 {
            let at = Coord { x: 113.0 + 0.12 * (next() - 0.5), y: 34.0 + 0.1 * (next() - 0.5) };
            assert_search_finds_the_walks_point(at, &poly, &part);
        }
    }

    #[test]
    fn the_grouped_point_search_returns_the_walks_nearest_point_near_edges_and_across_rings() {
        use crate::segindex::SegIndex;
        use geo::BoundingRect;
        // An outer ring of 5,000 vertices (20 groups of runs) with 40 holes of 7 vertices, so runs of segments span
        // several rings; points at random up to 6 km away, and points within a metre of vertices and edge midpoints
        // (where neighbouring runs tie or nearly tie).
        let frame0 = LocalFrame::at(Coord { x: 113.0, y: 34.0 });
        let (lon, lat) = frame0.degrees(1.0);
        let ring = |cx: f64, cy: f64, r_m: f64, n: usize, phase: f64| {
            let mut v: Vec<Coord<f64>> = (0..n)
                .map(|i| {
                    let t = i as f64 / n as f64 * std::f64::consts::TAU;
                    let r = r_m * (1.0 + 0.15 * (13.0 * t + phase).sin());
                    Coord { x: cx + r * t.cos() * lon, y: cy + r * t.sin() * lat }
                })
                .collect();
            v.push(v[0]);
            LineString(v)
        };
        let holes: Vec<LineString<f64>> = (0..40)
            .map(|k| {
                let t = k as f64 / 40.0 * std::f64::consts::TAU;
                ring(113.0 + 900.0 * t.cos() * lon, 34.0 + 900.0 * t.sin() * lat, 40.0, 7, k as f64)
            })
            .collect();
        let poly = Polygon::new(ring(113.0, 34.0, 2000.0, 5000, 0.0), holes);
        let segs = SegIndex::new(&poly);
        assert!(segs.group_boxes().len() >= 20, "{} groups", segs.group_boxes().len());
        let part = IndexedPart { polygon: &poly, bbox: poly.bounding_rect().expect("box"), segs: &segs };
        let mut next = uniform(23u64);
        let vertices: Vec<Coord<f64>> = std::iter::once(poly.exterior()).chain(poly.interiors()).flat_map(|r| r.0.iter().copied()).collect();
        for k in 0..3_000 {
            let at = if k % 2 == 0 {
                Coord { x: 113.0 + 0.16 * (next() - 0.5), y: 34.0 + 0.13 * (next() - 0.5) }
            } else {
                // Within a metre of a vertex or of the midpoint of the segment it starts.
                let i = (next() * (vertices.len() - 1) as f64) as usize;
                let (a, b) = (vertices[i], vertices[i + 1]);
                let c = if k % 4 == 1 { a } else { Coord { x: (a.x + b.x) / 2.0, y: (a.y + b.y) / 2.0 } };
                Coord { x: c.x + (next() - 0.5) * 2.0 * lon, y: c.y + (next() - 0.5) * 2.0 * lat }
            };
            assert_search_finds_the_walks_point(at, &poly, &part);
        }
    }

    #[test]
    fn the_cell_lists_give_the_rtree_candidates_and_the_same_findings() {
        use crate::zone::{Requirements, ZoneDetail};
        use geo::MultiPolygon;
        // 300 zones of one to three star-shaped parts, 30 m to 3 km across, over 1° × 1° near 113°E 34°N; every
        // fourth zone is a control unit (no bands, not in the nearby list: never listed).
        let mut next = uniform(31u64);
        let frame0 = LocalFrame::at(Coord { x: 113.5, y: 34.5 });
        let (lon, lat) = frame0.degrees(1.0);
        let mut zones = Vec::new();
        for k in 0..300 {
            let parts = 1 + k % 3;
            let polys = (0..parts)
                .map(|_| {
                    let (cx, cy, r) = (113.0 + next(), 34.0 + next(), 15.0 + 1500.0 * next() * next());
                    let n = 8 + (next() * 200.0) as usize;
                    let mut v: Vec<Coord<f64>> = (0..n)
                        .map(|i| {
                            let t = i as f64 / n as f64 * std::f64::consts::TAU;
                            let rr = r * (1.0 + 0.3 * (5.0 * t).sin());
                            Coord { x: cx + rr * t.cos() * lon, y: cy + rr * t.sin() * lat }
                        })
                        .collect();
                    v.push(v[0]);
                    Polygon::new(LineString(v), vec![])
                })
                .collect();
            let detail = if k % 4 == 0 {
                ZoneDetail::ControlUnit { class: crate::zone::UnitClass::General, prohibited_industries: vec![], restricted_industries: vec![] }
            } else {
                ZoneDetail::RedLine
            };
            zones.push(Zone {
                layer: "t".into(),
                source_fid: None,
                code: format!("Z{k}"),
                name: format!("Z{k}"),
                detail,
                subclass: None,
                requirements: Requirements::default(),
                geometry: MultiPolygon(polys),
            });
        }
        let index = ZoneIndex::new(zones);
        let config = ProximityConfig::default();
        let listed = |z: &Zone| z.kind() != ZoneKind::ControlUnit;
        let cells = NearCells::new(&index, &config, 1000.0, listed);
        let (nx, ny) = cells.grid.size();
        assert!(nx > 4 && ny > 4, "{nx}×{ny}");
        // Random points over the area and beyond it, points on cell borders, and points just inside and outside
        // the reach (× 1.01, the window's margin) of a part's box corner.
        let mut points: Vec<Coord<f64>> = (0..2_000).map(|_| Coord { x: 112.9 + 1.2 * next(), y: 33.9 + 1.2 * next() }).collect();
        let [x0, y0, x1, y1] = cells.grid.extent();
        for i in 0..nx {
            points.push(Coord { x: cells.grid.border(i, 0).x, y: y0 + (y1 - y0) * next() });
        }
        for j in 0..ny {
            points.push(Coord { x: x0 + (x1 - x0) * next(), y: cells.grid.border(0, j).y });
        }
        let boxes: Vec<[f64; 4]> = index.part_boxes().map(|(b, _, _)| b).collect();
        for b in boxes.iter().step_by(3) {
            let (dx, dy) = LocalFrame::at(Coord { x: b[2], y: b[3] }).degrees(5000.0 * 1.01);
            for f in [0.999, 1.0, 1.001] {
                points.push(Coord { x: b[2] + dx * f, y: b[3] + dy * f });
                points.push(Coord { x: b[0] - dx * f, y: (b[1] + b[3]) / 2.0 });
            }
        }
        let keep: &dyn Fn(&Zone) -> bool = &listed;
        let mut found = 0;
        for (k, p) in points.iter().enumerate() {
            let site = Site::Point(Point(*p));
            let exclude: Vec<ZoneId> = if k % 7 == 0 { index.zones_at(Point(*p)) } else { vec![] };
            let wanted = |zone: ZoneId| !exclude.contains(&zone) && listed(index.zone(zone));
            let window = search_window(Rect::new(*p, *p), &LocalFrame::at(*p), 5000.0);
            let ids = |v: Vec<(ZoneId, usize, IndexedPart)>| v.into_iter().map(|(z, q, _)| (z, q)).collect::<Vec<_>>();
            let listed_parts = cells.parts_near(&index, *p, 5000.0, window, wanted).map(ids);
            let inside = p.x >= x0 && p.x <= x1 && p.y >= y0 && p.y <= y1;
            assert_eq!(listed_parts.is_some(), inside, "at {p:?}");
            if let Some(l) = listed_parts {
                assert_eq!(l, ids(index.indexed_parts_in_rect(window, wanted)), "at {p:?}");
            }
            let with = near_and_nearby(&index, &config, &site, &exclude, Some((1000.0, keep)), Some(&cells));
            let without = near_and_nearby(&index, &config, &site, &exclude, Some((1000.0, keep)), None);
            assert_eq!(with, without, "at {p:?}");
            found += with.0.len();
        }
        assert!(found > 1_000, "{found} findings");
        // A wider search than the lists were made for falls back to the R-tree.
        let p = points[0];
        let window = search_window(Rect::new(p, p), &LocalFrame::at(p), 20_000.0);
        assert!(cells.parts_near(&index, p, 20_000.0, window, |_| true).is_none());
    }

    #[test]
    fn the_vector_distances_are_the_scalar_ones_bit_for_bit() {
        // Random stretches of every length up to CHUNK, with repeated vertices (zero-length segments), the query on
        // a vertex, on a segment's line beyond its ends, and negative zeros: the AVX lanes must give the very bits
        // of `segment_point`, and the minimum its smallest.
        let mut next = uniform(5u64);
        for round in 0..2_000 {
            let n = round % (CHUNK + 1);
            let mut xs: Vec<f64> = (0..=n).map(|_| 2000.0 * next() - 1000.0).collect();
            let mut ys: Vec<f64> = (0..=n).map(|_| 2000.0 * next() - 1000.0).collect();
            if n > 2 {
                (xs[2], ys[2]) = (xs[1], ys[1]);
                (xs[0], ys[0]) = (-0.0, 0.0);
            }
            let q = match round % 3 {
                0 if n > 0 => Coord { x: xs[n / 2], y: ys[n / 2] },
                1 if n > 0 => Coord { x: 3.0 * xs[1] - 2.0 * xs[0], y: 3.0 * ys[1] - 2.0 * ys[0] },
                _ => Coord { x: 2000.0 * next() - 1000.0, y: 2000.0 * next() - 1000.0 },
            };
            let mut out = vec![f64::NAN; n];
            let min = squared_distances(q, &xs, &ys, &mut out);
            let scalar: Vec<f64> =
                (0..n).map(|k| segment_point(q, Coord { x: xs[k], y: ys[k] }, Coord { x: xs[k + 1], y: ys[k + 1] }).1).collect();
            assert_eq!(out.iter().map(|d| d.to_bits()).collect::<Vec<_>>(), scalar.iter().map(|d| d.to_bits()).collect::<Vec<_>>(), "round {round}");
            assert_eq!(min.to_bits(), scalar.iter().copied().fold(f64::INFINITY, f64::min).to_bits(), "round {round}");
        }
    }

    #[test]
    fn short_geodesic_agrees_with_karney() {
        use geo::Destination;
        // 200,000 random pairs: first point anywhere between 80°S and 80°N, second at a random azimuth and a
        // distance up to the formula's 20 km limit (a third of them within 10 m, where rounding errors dominate).
        let mut next = uniform(11u64);
        let mut worst: f64 = 0.0;
        for i in 0..200_000 {
            let a = Point::new(360.0 * next() - 180.0, 160.0 * next() - 80.0);
            let len = if i % 3 == 0 { 10.0 * next() } else { SHORT_GEODESIC_MAX_M * 0.999 * next() };
            let b = Geodesic.destination(a, 360.0 * next(), len);
            let karney = Geodesic.distance(a, b);
            let short = ShortGeodesic::from_to(a.0, b.0).expect("within the limit");
            worst = worst.max((short - karney).abs());
        }
        // Measured: 2.6e-7 m (the same pairs against PROJ's `geod -I`: 2.6e-7 m); the bound used to fall back to Karney is a hundred times that.
        assert!(worst < SHORT_GEODESIC_MAX_ERR_M / 100.0, "largest error {worst:e} m");
        assert_eq!(ShortGeodesic::from_to(Coord { x: 113.0, y: 34.0 }, Coord { x: 113.3, y: 34.0 }), None, "27 km: beyond the limit");
        assert!(near_rounding_edge(12.35) && near_rounding_edge(12.34999) && !near_rounding_edge(12.3499) && !near_rounding_edge(12.3));
    }

    #[test]
    fn the_indexed_pair_search_returns_the_walks_nearest_pair() {
        use crate::segindex::SegIndex;
        use geo::{BoundingRect, MapCoords, MultiLineString, MultiPolygon};
        // A wiggly part of 800 vertices with a hole, ~2 km across near 113°E 34°N, against seeded 120-vertex
        // circles (footprints, one with a hole) and open lines around and inside the hole.
        let frame0 = LocalFrame::at(Coord { x: 113.0, y: 34.0 });
        let (lon, lat) = frame0.degrees(1.0);
        let ring = |cx: f64, cy: f64, r_m: f64, n: usize, wiggle: f64, phase: f64| {
            let mut v: Vec<Coord<f64>> = (0..n)
                .map(|i| {
                    let t = i as f64 / n as f64 * std::f64::consts::TAU;
                    let r = r_m * (1.0 + wiggle * (7.0 * t + phase).sin());
                    Coord { x: cx + r * t.cos() * lon, y: cy + r * t.sin() * lat }
                })
                .collect();
            v.push(v[0]);
            LineString(v)
        };
        let poly = Polygon::new(ring(113.0, 34.0, 1000.0, 800, 0.1, 0.0), vec![ring(113.0, 34.0, 300.0, 120, 0.1, 1.0)]);
        let part = IndexedPart { polygon: &poly, bbox: poly.bounding_rect().expect("box"), segs: &SegIndex::new(&poly) };
        let mut next = uniform(11u64);
        let mut found = 0;
        for k in 0..100 {
            // Outside the part (1.3–4 km from its centre) or in its hole (within 150 m of the centre).
            let (r, t) = if k % 5 == 0 { (150.0 * next(), std::f64::consts::TAU * next()) } else { (1300.0 + 2700.0 * next(), std::f64::consts::TAU * next()) };
            let c = Coord { x: 113.0 + r * t.cos() * lon, y: 34.0 + r * t.sin() * lat };
            let size = if k % 5 == 0 { 40.0 } else { 100.0 + 300.0 * next() };
            let site = match k % 3 {
                0 => Site::Line(MultiLineString(vec![
                    LineString(ring(c.x, c.y, size, 50, 0.2, next()).0[..30].to_vec()),
                    LineString(vec![Coord { x: c.x + 0.3 * size * lon, y: c.y }]),
                ])),
                1 => Site::Footprint(MultiPolygon(vec![Polygon::new(ring(c.x, c.y, size, 120, 0.05, next()), vec![ring(c.x, c.y, size / 3.0, 40, 0.0, 0.0)])])),
                _ => Site::Footprint(MultiPolygon(vec![Polygon::new(ring(c.x, c.y, size, 120, 0.05, next()), vec![])])),
            };
            let frame = LocalFrame::at(c);
            let to_local = |q: Coord<f64>| frame.point(Point(q)).0;
            let walk = nearest_pair(&frame.site(&site), &poly.map_coords(to_local)).expect("walk");
            let lines = LocalLines::new(&site, to_local);
            for bound in [f64::INFINITY, 5000.0, walk.2 * 1.5, walk.2, walk.2 * 0.5] {
                let indexed = nearest_pair_indexed(&lines, &part, &to_local, bound);
                if walk.2 < bound {
                    assert_eq!(indexed, Some(walk), "site {k} bound {bound}");
                    found += 1;
                } else {
                    assert_eq!(indexed, None, "site {k} bound {bound}");
                }
            }
        }
        assert!(found > 200, "{found}");
    }

    #[test]
    fn unordered_bands_are_refused() {
        let c = ProximityConfig { bands_m: vec![1000.0, 500.0], kinds: BTreeMap::new() };
        assert!(c.check().is_err());
        let c = ProximityConfig { bands_m: vec![500.0], kinds: BTreeMap::from([(ZoneKind::Other, vec![f64::NAN])]) };
        assert!(c.check().is_err());
        assert!(ProximityConfig::default().check().is_ok());
    }
}
