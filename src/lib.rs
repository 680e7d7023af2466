//! ecogate: may this project be built here? Siting screening against Chinese ecological zoning layers.
//!
//! Data flows one way: files → [`ingest`] → [`zone::Zone`]s → [`index::ZoneIndex`] → [`assess`] (with [`rules`])
//! → [`report`] / JSON.

pub mod crs;
pub mod industry;
pub mod index;
pub mod area;
pub mod overlap;
pub mod segindex;
pub mod hugepages;
pub mod prefetch;
pub mod ingest;
pub mod ogr;
pub mod manifest;
pub mod zone;
pub mod assess;
pub mod proximity;
pub mod chainage;
pub mod rules;
pub mod input;
pub mod report;
pub mod tiles;
pub mod glyphs;
pub mod upload;
pub mod batch;
pub mod cli;
pub mod api;
pub mod audit;
pub mod datasets;
pub mod pgnotify;
pub mod synth;
