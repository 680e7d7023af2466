//! The `POST /v1/assessments` body as the handler reads it: JSON, then either a GeoJSON Feature carrying
//! `properties.crs`/`towgs84` or the `AssessmentRequest` wrapper, then the geometry through `input::geojson_input`
//! (CRS conversion, validation, repair refusals), then an assessment against the bundled sample dataset, so
//! geometry operations on hostile shapes (overlap areas, crossings, nearby distances) are exercised too.
#![no_main]

use ecogate::api::assess::AssessmentRequest;
use ecogate::assess::Engine;
use ecogate::crs::InputCrs;
use ecogate::input;
use ecogate::rules::Facts;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use std::path::Path;
use std::sync::OnceLock;

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        Engine::load(&root.join("data/wugang/dataset.toml"), &root.join("data/rules")).expect("the sample dataset loads")
    })
}

fn towgs84(v: Option<&Value>) -> Option<Vec<f64>> {
    v.and_then(Value::as_array).and_then(|a| a.iter().map(Value::as_f64).collect())
}

fuzz_target!(|data: &[u8]| {
    let engine = engine();
    let Ok(value) = serde_json::from_slice::<Value>(data) else { return };
    let (geometry, crs) = if value.get("type").and_then(Value::as_str) == Some("Feature") {
        let name = value.pointer("/properties/crs").and_then(Value::as_str);
        let crs = match value.pointer("/properties/towgs84") {
            Some(Value::String(t)) => InputCrs::parse(name, Some(t)),
            other => InputCrs::with_towgs84_values(name, towgs84(other)),
        };
        (value.clone(), crs)
    } else {
        let Ok(req) = serde_json::from_value::<AssessmentRequest>(value) else { return };
        let crs = match &req.towgs84 {
            Some(Value::String(t)) => InputCrs::parse(req.crs.as_deref(), Some(t)),
            other => InputCrs::with_towgs84_values(req.crs.as_deref(), towgs84(other.as_ref())),
        };
        (req.geometry, crs)
    };
    let Ok(crs) = crs else { return };
    let Ok(site) = input::geojson_input(&geometry, &crs) else { return };
    let _ = engine.assess_input(&site, &Facts::new(), engine.options);
});
