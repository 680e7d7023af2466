//! A throwaway PostgreSQL + PostGIS cluster for one test: `initdb` in a temporary directory, `postgres` listening on
//! 127.0.0.1 at a free port (and a Unix socket inside the directory, never the system's), a `zones` database with
//! the PostGIS extension; stopped and deleted when dropped. Nothing system-wide is configured or started.
//!
//! `scripts/postgres-deps.sh` installs Debian's PostgreSQL and PostGIS when they are missing. As root (CI), the
//! server programs run as the `postgres` OS user that Debian's package creates, because PostgreSQL refuses to run as
//! root.
//!
//! Included with `#[path = "common/postgres.rs"] mod postgres;`.
#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Once;

pub struct PgCluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    pub port: u16,
    pub dbname: String,
}

static DEPS: Once = Once::new();

fn is_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0").unwrap_or(false)
}

/// The newest PostgreSQL server binaries Debian installed (`/usr/lib/postgresql/NN/bin`).
fn server_bin() -> PathBuf {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL is not installed: scripts/postgres-deps.sh installs it")
        .filter_map(|e| e.ok())
        .filter_map(|e| Some((e.file_name().to_str()?.parse::<u32>().ok()?, e.path().join("bin"))))
        .filter(|(_, bin)| bin.join("initdb").exists())
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin).expect("no PostgreSQL server binaries under /usr/lib/postgresql")
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
    /// Installs PostgreSQL/PostGIS when missing (once per test binary), then starts a fresh cluster.
    pub fn start() -> PgCluster {
        DEPS.call_once(|| {
            let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/postgres-deps.sh");
            check("scripts/postgres-deps.sh", Command::new("bash").arg(script).output());
        });
        let dir = tempfile::Builder::new().prefix("ecogate-pg-").tempdir().expect("temp dir");
        if is_root() {
            check("chown the cluster directory", Command::new("chown").arg("postgres:postgres").arg(dir.path()).output());
        }
        let bin = server_bin();
        let mut cluster = PgCluster { dir, bin, port: 0, dbname: "zones".into() };
        let data = cluster.data_dir();
        check(
            "initdb",
            cluster.server_cmd("initdb").args(["-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "-D"]).arg(&data).output(),
        );
        // A port can be taken between probing and binding: try a few.
        let mut last = String::new();
        for _ in 0..3 {
            cluster.port = free_port();
            let opts = format!("-c listen_addresses=127.0.0.1 -p {} -k {} -c fsync=off", cluster.port, cluster.dir.path().display());
            let out = cluster
                .server_cmd("pg_ctl")
                .args(["-w", "-t", "60", "-D"])
                .arg(&data)
                .args(["-l"])
                .arg(cluster.dir.path().join("server.log"))
                .args(["-o", &opts, "start"])
                .output()
                .expect("run pg_ctl");
            if out.status.success() {
                cluster.psql("postgres", "CREATE DATABASE zones");
                cluster.psql("zones", "CREATE EXTENSION postgis");
                return cluster;
            }
            last = format!("{}{}", String::from_utf8_lossy(&out.stderr), std::fs::read_to_string(cluster.dir.path().join("server.log")).unwrap_or_default());
        }
        panic!("could not start PostgreSQL: {last}");
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// A server program, run as the `postgres` OS user when we are root.
    fn server_cmd(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        if is_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(path);
            c
        } else {
            Command::new(path)
        }
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
        let _ = self.server_cmd("pg_ctl").args(["-w", "-m", "immediate", "-D"]).arg(self.data_dir()).arg("stop").output();
    }
}
