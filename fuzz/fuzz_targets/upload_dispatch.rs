//! The whole upload path for the formats ecogate reads itself or sniffs: the first byte picks a file name (none,
//! .txt, .dat, .csv, .zip, .json) and a request CRS, the rest is the file. Format detection, zip member listing,
//! 界址点 and CSV vertex tables (through GDAL's CSV driver into `upload::table`), CRS settlement and footprint
//! repair all run; GDAL's own drivers are not the target, so GDAL's messages are silenced.
#![no_main]

use ecogate::upload::{self, UploadLimits};
use libfuzzer_sys::fuzz_target;
use std::sync::Once;

const NAMES: [Option<&str>; 6] = [None, Some("界址点.txt"), Some("a.dat"), Some("坐标.csv"), Some("a.zip"), Some("a.json")];
const CRSS: [Option<&str>; 4] = [None, Some("cgcs2000-gk3:38"), Some("EPSG:4526"), Some("wgs84")];

fuzz_target!(|data: &[u8]| {
    static QUIET: Once = Once::new();
    QUIET.call_once(|| gdal::config::set_error_handler(|_, _, _| {}));
    let Some((&selector, file)) = data.split_first() else { return };
    let name = NAMES[usize::from(selector) % NAMES.len()];
    let crs = CRSS[usize::from(selector / 16) % CRSS.len()];
    let limits = UploadLimits { max_bytes: 1 << 20, max_vertices: 5_000 };
    let _ = upload::read_upload_as(file.to_vec(), name, crs, None, &limits);
});
