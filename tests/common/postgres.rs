//! A throwaway PostgreSQL + PostGIS cluster for one test: `initdb` in a temporary directory, `postgres` listening on
//! 127.0.0.1 at a free port (and a Unix socket inside the directory, never the system's), a `zones` database with
//! the PostGIS extension; stopped and deleted when dropped. Nothing system-wide is configured or started.
//!
//! `scripts/lib/postgres.sh` does the work: it installs Debian's PostgreSQL and PostGIS when they are missing and,
//! as root (CI), runs the server programs as the `postgres` OS user that Debian's package creates, because PostgreSQL
//! refuses to run as root.
//!
//! Included with `#[path = "common/postgres.rs"] mod postgres;`.
#![allow(dead_code)]

use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output};

pub struct PgCluster {
    dir: tempfile::TempDir,
    pub port: u16,
    pub dbname: String,
}

/// `scripts/lib/postgres.sh`, the one place that installs, starts and stops throwaway clusters (the scale benchmark
/// uses it too).
fn script() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/lib/postgres.sh")
}

fn check(what: &str, out: std::io::Result<Output>) -> Output {
    let out = out.unwrap_or_else(|e| panic!("{what}: cannot run: {e}"));
    assert!(
        out.status.success(),
        "{what} failed ({}): {}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port").local_addr().expect("local address").port()
}

impl PgCluster {
    /// Installs PostgreSQL/PostGIS when missing, then starts a fresh cluster with a `zones` database.
    pub fn start() -> PgCluster {
        let dir = tempfile::Builder::new().prefix("ecogate-pg-").tempdir().expect("temp dir");
        // A port can be taken between probing and binding: try a few.
        let mut last = String::new();
        for _ in 0..3 {
            let port = free_port();
            let out = Command::new("bash").arg(script()).arg("start").arg(dir.path()).arg(port.to_string()).arg("zones").output().expect("run bash");
            if out.status.success() {
                return PgCluster { dir, port, dbname: "zones".into() };
            }
            let _ = Command::new("bash").arg(script()).arg("stop").arg(dir.path()).output();
            last = format!("{}{}", String::from_utf8_lossy(&out.stderr), std::fs::read_to_string(dir.path().join("server.log")).unwrap_or_default());
        }
        panic!("could not start PostgreSQL with scripts/lib/postgres.sh: {last}");
    }

    /// libpq key/value connection string for the `zones` database (as GDAL's `PG:` and tokio-postgres take it).
    pub fn conninfo(&self) -> String {
        format!("host=127.0.0.1 port={} dbname={} user=postgres", self.port, self.dbname)
    }

    /// Runs SQL with psql (stops at the first error) and returns its unaligned output.
    pub fn psql(&self, db: &str, sql: &str) -> String {
        let out = check(
            &format!("psql {sql:?}"),
            Command::new("psql")
                .args(["-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-U", "postgres", "-p"])
                .arg(self.port.to_string())
                .args(["-d", db, "-c", sql])
                .output(),
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Loads one layer of a GDAL-readable file into a table of the `zones` database with ogr2ogr, keeping field names
    /// as they are (Chinese included) so a manifest's field map applies unchanged; polygons become multipolygons, as
    /// shapefiles mix both in one layer.
    pub fn load_layer(&self, source: &Path, layer: Option<&str>, table: &str, extra: &[&str]) {
        let mut c = Command::new("ogr2ogr");
        c.args(["-f", "PostgreSQL"])
            .arg(format!("PG:{}", self.conninfo()))
            .arg(source)
            .args(layer)
            .args(["-nln", table, "-nlt", "PROMOTE_TO_MULTI", "-lco", "LAUNDER=NO", "-lco", "GEOMETRY_NAME=geom", "-overwrite"])
            .args(extra);
        check(&format!("ogr2ogr {} → {table}", source.display()), c.output());
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let _ = Command::new("bash").arg(script()).arg("stop").arg(self.dir.path()).output();
    }
}
