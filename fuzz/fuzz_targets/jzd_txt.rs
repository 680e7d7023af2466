//! 界址点 (boundary-point) text files, parsed by ecogate itself: decoding (UTF-8 or GBK), the section/record parser,
//! the header's 坐标系/带号/几度分带 and the parcels → raw features step with its vertex budget.
#![no_main]

use ecogate::upload::{jzd, text, Budget};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((decoded, _)) = text::decode(data) else { return };
    let _ = jzd::looks_like(&decoded);
    let Ok(file) = jzd::parse(&decoded) else { return };
    let _ = jzd::header_crs(&file);
    for p in &file.parcels {
        let _ = (p.declared_points(), p.area_ha(), p.name());
    }
    let _ = jzd::features(file, "fuzz.txt", &mut Budget::new(5_000));
});
