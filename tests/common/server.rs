//! Starts the real `ecogate serve` on a free loopback port for one test and stops it when dropped.
//!
//! Included with `#[path = "common/server.rs"] mod server;`.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::io::Read;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `ecogate serve`; killed when dropped. Each server records its assessments in its own temporary audit
/// database ([`Server::audit_db`]) unless the test passes `--audit-db` or `--no-audit` itself.
pub struct Server {
    child: Child,
    pub base: String,
    pub port: u16,
    log: tempfile::NamedTempFile,
    /// The audit database this server writes (`None` when the test chose its own or turned auditing off).
    pub audit_db: Option<std::path::PathBuf>,
    _state: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP client that never goes through a proxy (tests talk to loopback only).
pub fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder().no_proxy().timeout(Duration::from_secs(60)).build().expect("HTTP client")
}

/// A port nobody listens on now (the listener is dropped before the server binds it).
fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
    l.local_addr().expect("local address").port()
}

impl Server {
    /// The server on the bundled dataset (data/wugang/dataset.toml), default limits.
    pub fn start() -> Server {
        Server::start_with::<&str>(&[])
    }

    /// The server with extra `serve` arguments (limits, `--dataset` …). Retries on another port if the chosen one
    /// was taken between probing and binding.
    pub fn start_with<S: AsRef<OsStr>>(extra: &[S]) -> Server {
        Server::start_with_env(&[], extra)
    }

    /// The server with environment variables set (the `ECOGATE_*` ones are otherwise cleared) and extra arguments.
    pub fn start_with_env<S: AsRef<OsStr>>(env: &[(&str, &str)], extra: &[S]) -> Server {
        let mut last = String::new();
        let own_audit = !extra.iter().any(|a| a.as_ref() == OsStr::new("--audit-db") || a.as_ref() == OsStr::new("--no-audit"));
        for _ in 0..3 {
            let state = tempfile::tempdir().expect("state dir");
            let audit_db = own_audit.then(|| state.path().join("audit.sqlite"));
            let audit_args: Vec<std::ffi::OsString> = match &audit_db {
                Some(p) => vec!["--audit-db".into(), p.clone().into_os_string()],
                None => Vec::new(),
            };
            let port = free_port();
            let log = tempfile::NamedTempFile::new().expect("log file");
            let child = Command::new(env!("CARGO_BIN_EXE_ecogate"))
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .env_remove("ECOGATE_DATASET")
                .env_remove("ECOGATE_RULES")
                .env_remove("ECOGATE_WEB")
                .env_remove("ECOGATE_FONT")
                .env_remove("ECOGATE_AUDIT_DB")
                .env_remove("ECOGATE_AUDIT_RETENTION_DAYS")
                .env_remove("ECOGATE_ADMIN_KEY")
                .env_remove("STATE_DIRECTORY")
                .envs(env.iter().copied())
                .stdin(Stdio::null())
                .arg("serve")
                .args(extra)
                .args(&audit_args)
                .args(["--addr", &format!("127.0.0.1:{port}")])
                .stdout(Stdio::null())
                .stderr(log.reopen().expect("log handle"))
                .spawn()
                .expect("start ecogate serve");
            let mut server = Server { child, base: format!("http://127.0.0.1:{port}"), port, log, audit_db, _state: state };
            match server.wait_ready() {
                Ok(()) => return server,
                Err(e) if e.contains("cannot listen") => last = e,
                Err(e) => panic!("{e}"),
            }
        }
        panic!("could not start the server on a free port: {last}");
    }

    /// Sends SIGTERM and waits (up to 30 s) for the process to exit; returns whether it exited on its own.
    pub fn terminate(&mut self) -> bool {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        self.wait_exit(Duration::from_secs(30))
    }

    /// Sends a signal by name (`HUP`, `TERM`) to the server.
    pub fn signal(&self, name: &str) {
        let pid = self.child.id().to_string();
        let status = Command::new("kill").args([&format!("-{name}"), &pid]).status().expect("run kill");
        assert!(status.success(), "kill -{name} {pid}");
    }

    /// Waits for the process to exit; `false` if it is still running after `limit`.
    pub fn wait_exit(&mut self, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }

    /// Polls `/readyz` until it answers 200, the process exits, or 60 s pass.
    fn wait_ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(60);
        let http = reqwest::blocking::Client::builder().no_proxy().timeout(Duration::from_secs(2)).build().expect("client");
        loop {
            if let Some(status) = self.child.try_wait().expect("child status") {
                return Err(format!("ecogate serve exited ({status}) before it was ready: {}", self.log_text()));
            }
            if let Ok(r) = http.get(format!("{}/readyz", self.base)).send() {
                if r.status().is_success() {
                    return Ok(());
                }
            }
            if Instant::now() > deadline {
                return Err(format!("ecogate serve not ready within 60 s: {}", self.log_text()));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// What the server wrote to stderr so far (its log), for failure messages.
    pub fn log_text(&self) -> String {
        let mut s = String::new();
        let _ = self.log.reopen().and_then(|mut f| f.read_to_string(&mut s));
        s
    }

    /// An absolute URL for a path (absolute URLs pass through).
    pub fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}{path}", self.base)
        }
    }
}
