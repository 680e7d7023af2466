//! Coordinate text as typed into `at=` / `--at`: the DMS/decimal parser, then the point path for a lon/lat, a
//! GCJ-02 and a Gauss–Krüger CRS (conversions included). Any panic is a bug: every input must end in Ok or a typed
//! error.
#![no_main]

use ecogate::crs::{dms, InputCrs};
use ecogate::input;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn crss() -> &'static [InputCrs] {
    static CRSS: OnceLock<Vec<InputCrs>> = OnceLock::new();
    CRSS.get_or_init(|| {
        ["wgs84", "gcj02", "bd09", "cgcs2000-gk3:38"].iter().map(|n| InputCrs::parse(Some(n), None).expect("a known CRS name")).collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let parsed = dms::parse_pair(text);
    if let Ok(p) = &parsed {
        let _ = p.lon_lat();
    }
    for crs in crss() {
        let _ = input::text_point_input(text, crs);
    }
});
