//! Starts the real `ecogate serve` on a free loopback port for one test file and stops it when dropped.
//!
//! Included with `#[path = "common/server.rs"] mod server;`.
#![allow(dead_code)]

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Server {
    child: Child,
    pub base: String,
}

impl Server {
    /// The bundled sample dataset, default limits.
    pub fn start() -> Server {
        Server::start_with(&[])
    }

    /// Extra `serve` arguments (limits, CORS origins, another dataset …).
    pub fn start_with(args: &[&str]) -> Server {
        let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("free port");
        let addr = format!("127.0.0.1:{port}");
        let child = Command::new(env!("CARGO_BIN_EXE_ecogate"))
            .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
            .env_remove("ECOGATE_DATASET")
            .env_remove("ECOGATE_RULES")
            .args(["serve", "--addr", &addr])
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start ecogate serve");
        let server = Server { child, base: format!("http://{addr}") };
        server.wait_ready(Duration::from_secs(60));
        server
    }

    fn wait_ready(&self, limit: Duration) {
        let start = Instant::now();
        let client = reqwest::blocking::Client::builder().timeout(Duration::from_secs(2)).build().expect("client");
        while start.elapsed() < limit {
            if let Ok(r) = client.get(format!("{}/readyz", self.base)).send() {
                if r.status().is_success() {
                    return;
                }
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("ecogate serve did not become ready at {} within {limit:?}", self.base);
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
