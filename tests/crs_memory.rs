//! A refused CRS must not leak: the `proj` crate leaks a PROJ context on every failed creation, so definitions are
//! checked first on a long-lived context (src/crs/precheck.rs). Its own test binary with one test, because RSS is
//! per process and other tests running in parallel threads would blur it.

use ecogate::crs::precheck::{check, Expect};
use ecogate::crs::InputCrs;

fn rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmRSS")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok()))
        .unwrap_or(0)
}

#[test]
fn refused_crs_names_do_not_grow_memory() {
    let refuse = || {
        assert!(check("EPSG:99999", Expect::Crs).is_err());
        let crs = InputCrs::parse(Some("EPSG:99999"), None);
        if let Ok(crs) = crs {
            assert!(crs.converter(&[[500_000.0, 3_690_000.0]]).is_err());
        }
    };
    for _ in 0..50 {
        refuse();
    }
    let before = rss_kb();
    for _ in 0..400 {
        refuse();
    }
    // The crate's failure path leaked ~30 kB per refusal (12 MB or more here); allow noise well below that.
    assert!(rss_kb().saturating_sub(before) < 4_000, "RSS grew from {before} kB to {} kB", rss_kb());
}
