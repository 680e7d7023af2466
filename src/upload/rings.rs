//! Rings listed point by point (界址点 files, vertex tables) into polygons: ring number 1 (or the first ring) is an
//! exterior, a ring numbered > 1 is a hole of the exterior that contains it. A "hole" that lies outside every
//! exterior is not silently turned into an invalid polygon: it becomes a separate part, and the answer says so.

use super::geometry::{RawPolygon, Ring};
use geo::{Contains, InteriorPoint, LineString, Polygon};

#[derive(Debug)]
pub struct RingInput {
    pub number: u32,
    /// Line (or row) where the ring starts, for messages.
    pub line: usize,
    pub points: Ring,
}

/// Polygons and notes (kind, English, Chinese).
pub fn assemble(label: &str, rings: Vec<RingInput>) -> (Vec<RawPolygon>, Vec<super::NoteText>) {
    let mut polygons: Vec<RawPolygon> = Vec::new();
    let mut notes = Vec::new();
    for ring in rings {
        if ring.points.is_empty() {
            continue;
        }
        if ring.number <= 1 || polygons.is_empty() {
            polygons.push(RawPolygon { rings: vec![ring.points] });
            continue;
        }
        let probe = Polygon::new(LineString(ring.points.clone()), vec![]).interior_point();
        let owner = probe.and_then(|pt| {
            polygons.iter().rposition(|p| Polygon::new(LineString(p.rings[0].clone()), vec![]).contains(&pt))
        });
        match owner {
            Some(i) => polygons[i].rings.push(ring.points),
            None => {
                notes.push((
                    "ring-not-a-hole",
                    format!("{label}: ring {} (line {}) lies outside the outer ring, so it cannot be a hole; read as a separate part", ring.number, ring.line),
                    format!("{label}：第 {} 圈（第 {} 行）不在外环之内，不能作为内环（岛洞），已按独立部分读取", ring.number, ring.line),
                ));
                polygons.push(RawPolygon { rings: vec![ring.points] });
            }
        }
    }
    (polygons, notes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::Coord;

    fn sq(x: f64, y: f64, d: f64) -> Ring {
        vec![Coord { x, y }, Coord { x: x + d, y }, Coord { x: x + d, y: y + d }, Coord { x, y: y + d }, Coord { x, y }]
    }

    #[test]
    fn ring_two_inside_is_a_hole() {
        let (p, notes) = assemble("t", vec![RingInput { number: 1, line: 1, points: sq(0.0, 0.0, 10.0) }, RingInput { number: 2, line: 7, points: sq(2.0, 2.0, 2.0) }]);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].rings.len(), 2);
        assert!(notes.is_empty());
    }

    #[test]
    fn ring_two_outside_is_a_separate_part_with_a_note() {
        let (p, notes) = assemble("t", vec![RingInput { number: 1, line: 1, points: sq(0.0, 0.0, 10.0) }, RingInput { number: 2, line: 7, points: sq(20.0, 2.0, 2.0) }]);
        assert_eq!(p.len(), 2);
        assert_eq!(notes.len(), 1);
        assert!(notes[0].1.contains("line 7"));
    }
}
