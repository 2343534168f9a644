//! A `slotwise serve` child process on a free port, for end-to-end tests.

#![allow(dead_code, clippy::unwrap_used)]

use std::{
    io::{BufRead, BufReader},
    net::SocketAddr,
    path::Path,
    process::{Child, Command, ExitStatus, Stdio},
    sync::mpsc,
    thread,
    time::Duration,
};

use slotwise_proto::v1::OptimizeScheduleRequest;

/// The server binary, killed when dropped.
pub struct ServerProcess {
    child: Child,
    /// Holds the database of a server started with [`ServerProcess::start`].
    _data: Option<tempfile::TempDir>,
    pub address: SocketAddr,
    /// Every log line the server wrote, as it comes.
    pub log: mpsc::Receiver<String>,
}

impl ServerProcess {
    /// Starts `slotwise serve` on 127.0.0.1:0 with a fresh database.
    pub fn start() -> Self {
        let data = tempfile::tempdir().unwrap();
        let mut server = Self::start_with_database(&data.path().join("slotwise.db"));
        server._data = Some(data);
        server
    }

    /// Starts `slotwise serve` on 127.0.0.1:0 over `database` and waits for the line that names
    /// its address.
    pub fn start_with_database(database: &Path) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_slotwise"))
            .args(["serve", "--listen", "127.0.0.1:0", "--database"])
            .arg(database)
            .env("SLOTWISE_LOG", "info")
            .env("SLOTWISE_DRAIN_TIMEOUT_SECS", "3")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the slotwise binary starts");

        let stderr = child.stderr.take().unwrap();
        let (sender, log) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });

        let address = wait_for_address(&log);
        Self {
            child,
            _data: None,
            address,
            log,
        }
    }

    pub fn endpoint(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Kills the server with SIGKILL, as a crash would.
    pub fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// Sends SIGTERM and waits for the exit status.
    pub fn terminate(mut self) -> ExitStatus {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(sent.success());
        for _ in 0..200 {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            thread::sleep(Duration::from_millis(50));
        }
        panic!("slotwise did not exit within 10 s of SIGTERM");
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn wait_for_address(log: &mpsc::Receiver<String>) -> SocketAddr {
    loop {
        let line = log
            .recv_timeout(Duration::from_secs(30))
            .expect("slotwise logs its address within 30 s");
        if let Some(rest) = line.split("address=").nth(1) {
            let address = rest.split_whitespace().next().unwrap();
            return address.parse().unwrap();
        }
    }
}

/// Reads one of the example requests of the repository.
pub fn example(name: &str) -> OptimizeScheduleRequest {
    let path = format!("{}/examples/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    serde_json::from_str(&text).unwrap()
}
