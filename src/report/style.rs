//! Zone colours for the report's figure, read from the map's own MapLibre style (`styles/ecogate.json`, built in),
//! so the printed figure and the map page agree without a second colour table to keep in step.
//!
//! Only what the style uses is understood: a literal colour, or `["match", ["get", "grade"], k, v, …, default]`;
//! draw order is the order of the `<layer>-fill` layers in the style.

use serde_json::Value;
use std::sync::LazyLock;

static STYLE: LazyLock<Value> =
    LazyLock::new(|| serde_json::from_str(include_str!("../../styles/ecogate.json")).unwrap_or(Value::Null));

/// How one zone is painted.
#[derive(Debug, Clone, PartialEq)]
pub struct ZonePaint {
    pub fill: String,
    pub fill_opacity: f64,
    pub line: String,
    /// Dash pattern in line widths (the style's `line-dasharray`), none for solid.
    pub dash: Option<Vec<f64>>,
    /// Position of the layer in the style: lower draws first.
    pub order: usize,
}

const FALLBACK: &str = "#9e9e9e";

/// The paint of a zone of manifest layer `layer` with grade `grade` (class / level / reserve zone / category).
/// Layers the style does not know (other datasets) are grey, drawn above the known ones but below red lines.
pub fn zone_paint(layer: &str, grade: Option<&str>) -> ZonePaint {
    let layers = STYLE.get("layers").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]);
    let find = |suffix: &str| layers.iter().position(|l| l.get("id").and_then(Value::as_str) == Some(&format!("{layer}-{suffix}")));
    let paint = |i: Option<usize>| i.and_then(|i| layers[i].get("paint"));
    let (fill_at, line_at) = (find("fill"), find("line"));
    let fill_paint = paint(fill_at);
    let line_paint = paint(line_at);
    let fill = fill_paint.and_then(|p| colour(p.get("fill-color")?, grade)).unwrap_or_else(|| FALLBACK.into());
    let line = line_paint.and_then(|p| colour(p.get("line-color")?, grade)).unwrap_or_else(|| fill.clone());
    let fill_opacity = fill_paint.and_then(|p| p.get("fill-opacity")?.as_f64()).unwrap_or(0.2);
    let dash = line_paint
        .and_then(|p| p.get("line-dasharray")?.as_array().map(|a| a.iter().filter_map(Value::as_f64).collect::<Vec<_>>()))
        .filter(|d| !d.is_empty());
    let red_lines = layers.iter().position(|l| l.get("id").and_then(Value::as_str) == Some("red_lines-fill")).unwrap_or(layers.len());
    ZonePaint { fill, fill_opacity, line, dash, order: fill_at.unwrap_or(red_lines.saturating_sub(1)) }
}

/// The map's background colour.
pub fn background() -> String {
    STYLE
        .get("layers")
        .and_then(Value::as_array)
        .and_then(|ls| ls.iter().find(|l| l.get("type").and_then(Value::as_str) == Some("background")))
        .and_then(|l| l.pointer("/paint/background-color")?.as_str().map(str::to_string))
        .unwrap_or_else(|| "#f4f3ef".into())
}

/// A colour from a literal or a `match` on `grade`.
fn colour(v: &Value, grade: Option<&str>) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Array(a) if a.first().and_then(Value::as_str) == Some("match") && a.len() >= 4 => {
            let arms = &a[2..a.len() - 1];
            let default = a.last()?.as_str().map(str::to_string);
            arms.chunks(2)
                .find(|kv| kv.len() == 2 && grade.is_some() && kv[0].as_str() == grade)
                .and_then(|kv| kv[1].as_str().map(str::to_string))
                .or(default)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_follow_the_map_style() {
        assert_eq!(zone_paint("water_sources", Some("level1")).fill, "#08306b");
        assert_eq!(zone_paint("control_units", Some("key")).fill, "#e8590c");
        assert_eq!(zone_paint("control_units", Some("unknown")).fill, "#9e9e9e");
        assert_eq!(zone_paint("red_lines", None).line, "#c00000");
        assert!(zone_paint("fuel_ban", None).dash.is_some());
        assert!(zone_paint("control_units", None).order < zone_paint("red_lines", None).order);
    }
}
