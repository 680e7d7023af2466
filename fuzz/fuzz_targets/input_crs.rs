//! InputCrs names and `towgs84` texts (`crs=`, `towgs84=`, the upload's parts): `name\ntowgs84`. A parsed CRS is
//! then asked for its label and a converter for one position, as a request would.
#![no_main]

use ecogate::crs::InputCrs;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (name, towgs84) = match text.split_once('\n') {
        Some((n, t)) => (n, Some(t)),
        None => (text, None),
    };
    let _ = InputCrs::named(name);
    let Ok(crs) = InputCrs::parse(Some(name), towgs84) else { return };
    let _ = (crs.label(), crs.name(), crs.is_projected(), crs.agrees_with(&InputCrs::default()));
    for p in [[113.5, 33.3], [38_500_000.0, 3_690_000.0], [3_690_000.0, 500_000.0]] {
        if let Ok(conv) = crs.converter(&[p]) {
            let _ = conv.convert(p);
        }
    }
});
