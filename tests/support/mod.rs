//! A `slotwise serve` child process on a free port, for end-to-end tests.

#![allow(dead_code, clippy::unwrap_used)]

use std::{
    ffi::{OsStr, OsString},
    io::{BufRead, BufReader, Read, Write},
    net::{SocketAddr, TcpStream},
    path::{Path, PathBuf},
    process::{Child, Command, ExitStatus, Output, Stdio},
    sync::mpsc,
    thread,
    time::Duration,
};

use slotwise_proto::v1::OptimizeScheduleRequest;

#[path = "../scenario_files/proto_json.rs"]
mod proto_json;

/// The server binary, killed when dropped.
pub struct ServerProcess {
    child: Child,
    /// Holds the database of a server started with [`ServerProcess::start`].
    _data: Option<tempfile::TempDir>,
    pub address: SocketAddr,
    /// Where `GET /metrics` answers, when the server was given `--metrics-listen`.
    pub metrics_address: Option<SocketAddr>,
    /// Every log line the server wrote, as it comes.
    pub log: mpsc::Receiver<String>,
}

/// How to start a server: extra flags and environment variables over the test defaults
/// (127.0.0.1:0, a fresh database, a 3 s drain, info logs).
#[derive(Default)]
pub struct ServerBuilder {
    args: Vec<OsString>,
    env: Vec<(OsString, OsString)>,
    database: Option<PathBuf>,
}

impl ServerBuilder {
    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.args.push(arg.as_ref().to_owned());
        self
    }

    pub fn args<I: IntoIterator<Item = S>, S: AsRef<OsStr>>(mut self, args: I) -> Self {
        self.args
            .extend(args.into_iter().map(|arg| arg.as_ref().to_owned()));
        self
    }

    pub fn env(mut self, name: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.env
            .push((name.as_ref().to_owned(), value.as_ref().to_owned()));
        self
    }

    /// Serves over `database` instead of a fresh one.
    pub fn database(mut self, database: &Path) -> Self {
        self.database = Some(database.to_owned());
        self
    }

    /// Starts `slotwise serve` and waits for the line that names its address.
    pub fn start(self) -> ServerProcess {
        let data = self
            .database
            .is_none()
            .then(|| tempfile::tempdir().unwrap());
        let database = match (&self.database, &data) {
            (Some(database), _) => database.clone(),
            (None, data) => data.as_ref().unwrap().path().join("slotwise.db"),
        };

        let mut child = Command::new(env!("CARGO_BIN_EXE_slotwise"))
            .args(["serve", "--listen", "127.0.0.1:0", "--database"])
            .arg(database)
            .args(&self.args)
            .env("SLOTWISE_LOG", "info")
            .env("SLOTWISE_DRAIN_TIMEOUT_SECS", "3")
            .envs(self.env)
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

        let (address, metrics_address) = wait_for_addresses(&log);
        ServerProcess {
            child,
            _data: data,
            address,
            metrics_address,
            log,
        }
    }
}

impl ServerProcess {
    /// Starts `slotwise serve` on 127.0.0.1:0 with a fresh database.
    pub fn start() -> Self {
        Self::builder().start()
    }

    /// Starts `slotwise serve` on 127.0.0.1:0 over `database` and waits for the line that names
    /// its address.
    pub fn start_with_database(database: &Path) -> Self {
        Self::builder().database(database).start()
    }

    pub fn builder() -> ServerBuilder {
        ServerBuilder::default()
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
    pub fn terminate(self) -> ExitStatus {
        self.send_sigterm();
        self.wait()
    }

    /// Sends SIGTERM and returns at once.
    pub fn send_sigterm(&self) {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(sent.success());
    }

    /// Waits (at most 10 s) for the server to exit.
    pub fn wait(mut self) -> ExitStatus {
        for _ in 0..200 {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            thread::sleep(Duration::from_millis(50));
        }
        panic!("slotwise did not exit within 10 s of SIGTERM");
    }

    /// Waits for the server to exit, and returns its status and every log line not read yet.
    pub fn wait_with_log(mut self) -> (ExitStatus, Vec<String>) {
        let (_, empty) = mpsc::channel();
        let log = std::mem::replace(&mut self.log, empty);
        let status = self.wait();
        let lines = std::iter::from_fn(|| log.recv_timeout(Duration::from_secs(5)).ok()).collect();
        (status, lines)
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads the log up to the line that names the gRPC address, noting the metrics address on
/// the way.
fn wait_for_addresses(log: &mpsc::Receiver<String>) -> (SocketAddr, Option<SocketAddr>) {
    let mut metrics_address = None;
    loop {
        let line = log
            .recv_timeout(Duration::from_secs(30))
            .expect("slotwise logs its address within 30 s");
        if let Some(address) = field(&line, "metrics_address") {
            metrics_address = Some(address.parse().unwrap());
        }
        if let Some(address) = field(&line, "address") {
            return (address.parse().unwrap(), metrics_address);
        }
    }
}

/// The value of the field `name` of a log line: `name=value` in a human line, or
/// `"fields": {"name": "value"}` in a JSON line.
fn field(line: &str, name: &str) -> Option<String> {
    if line.starts_with('{') {
        let event: serde_json::Value = serde_json::from_str(line).ok()?;
        return event["fields"][name].as_str().map(str::to_owned);
    }
    line.split_whitespace()
        .find_map(|token| token.strip_prefix(name)?.strip_prefix('='))
        .map(str::to_owned)
}

/// Runs `slotwise serve` with `args` and `env` to its exit (at most 30 s), as for a
/// configuration that must be refused.
pub fn run_serve(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_slotwise"))
        .arg("serve")
        .args(args)
        .envs(env.iter().copied())
        .env("SLOTWISE_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    for _ in 0..600 {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        thread::sleep(Duration::from_millis(50));
    }
    child.kill().unwrap();
    panic!("slotwise serve {args:?} did not exit within 30 s");
}

/// A request carrying `authorization: Bearer <key>`.
pub fn authorized<T>(message: T, key: &str) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    let value = format!("Bearer {key}").parse().unwrap();
    request.metadata_mut().insert("authorization", value);
    request
}

/// The hex SHA-256 of `key`, as the server's configuration wants it.
pub fn key_hash(key: &str) -> String {
    use sha2::{Digest, Sha256};

    Sha256::digest(key.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// The body of `GET /metrics` at `address`.
pub fn scrape_metrics(address: SocketAddr) -> String {
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let request = format!("GET /metrics HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    body.to_owned()
}

/// The value of the first sample of `metrics` whose line starts with `series` (a name with
/// its labels, as Prometheus writes them).
pub fn metric_value(metrics: &str, series: &str) -> Option<f64> {
    metrics
        .lines()
        .find(|line| line.starts_with(series))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse().ok())
}

/// Reads one of the example requests of the repository.
pub fn example(name: &str) -> OptimizeScheduleRequest {
    let path = format!("{}/examples/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// A timestamp on the wire.
pub fn timestamp(instant: chrono::DateTime<chrono::Utc>) -> pbjson_types::Timestamp {
    pbjson_types::Timestamp {
        seconds: instant.timestamp(),
        nanos: 0,
    }
}

/// A three-arm posting-time experiment.
pub fn experiment_request(name: &str) -> slotwise_proto::v1::CreateExperimentRequest {
    use slotwise_proto::v1::{
        Arm, CreateExperimentRequest, ExperimentKind, Policy, PolicyKind, RewardModel,
    };

    CreateExperimentRequest {
        name: name.to_owned(),
        kind: ExperimentKind::PostingTime as i32,
        arms: ["morning", "lunch", "evening"]
            .iter()
            .map(|id| Arm {
                id: (*id).to_owned(),
                label: (*id).to_owned(),
            })
            .collect(),
        policy: Some(Policy {
            kind: PolicyKind::Thompson as i32,
            ..Default::default()
        }),
        reward_model: RewardModel::Bernoulli as i32,
        ..Default::default()
    }
}

/// A reported outcome of `decision_id`, observed now.
pub fn outcome(decision_id: &str, reward: f64) -> slotwise_proto::v1::ReportOutcomeRequest {
    slotwise_proto::v1::ReportOutcomeRequest {
        decision_id: decision_id.to_owned(),
        reward,
        observed_at: None,
    }
}

/// Per arm id: decisions and outcomes as the experiment's summary counts them.
pub fn arm_counts(
    experiment: &slotwise_proto::v1::Experiment,
) -> std::collections::HashMap<String, (u64, u64)> {
    experiment
        .summary
        .as_ref()
        .unwrap()
        .arms
        .iter()
        .map(|arm| (arm.arm_id.clone(), (arm.decisions, arm.outcomes)))
        .collect()
}

/// An account's stated activity: evenings are busy.
pub fn activity_request(account_id: &str) -> slotwise_proto::v1::PutAudienceActivityRequest {
    slotwise_proto::v1::PutAudienceActivityRequest {
        account_id: account_id.to_owned(),
        time_zone: "Europe/London".to_owned(),
        hourly_activity: (0..168)
            .map(|hour| {
                if (18..22).contains(&(hour % 24)) {
                    1.0
                } else {
                    0.2
                }
            })
            .collect(),
        metric: 0,
    }
}

/// The five best slots of the account over the next week.
pub fn best_slots_request(account_id: &str) -> slotwise_proto::v1::GetBestSlotsRequest {
    let now = chrono::Utc::now();
    slotwise_proto::v1::GetBestSlotsRequest {
        account_id: account_id.to_owned(),
        window_start: Some(timestamp(now)),
        window_end: Some(timestamp(now + chrono::Duration::days(7))),
        count: 5,
        min_gap_minutes: 120,
        ..Default::default()
    }
}

/// A request the planner cannot finish quickly, solved to optimality under `time_limit_ms`:
/// the benchmarks' calendar over 56 days of hourly slots with a themed day ("Tip Tuesday", an
/// educational post every Tuesday) on top. The themed day and the tutorial series together
/// leave the fast restrictions short of the bound, so the planner has a schedule after about
/// half a second and no proof after 8 s (measured in a release build): a solve runs to its time limit and answers
/// FEASIBLE, or DEADLINE_EXCEEDED under a limit of a few hundred milliseconds. (The benchmark
/// calendars themselves now solve in well under a second, too fast for these tests.)
pub fn slow_request(time_limit_ms: u32) -> OptimizeScheduleRequest {
    let mut request = slotwise_planner::scenarios::content_calendar(56, 60);
    request.solver.relative_gap = 0.0;
    let mut proto: OptimizeScheduleRequest =
        serde_json::from_value(proto_json::plan_request_json(&request)).unwrap();
    proto.themed_days.push(slotwise_proto::v1::ThemedDay {
        weekday: slotwise_proto::v1::Weekday::Tuesday.into(),
        pillar_id: "educational".to_owned(),
        name: "Tip Tuesday".to_owned(),
    });
    proto.solver.as_mut().unwrap().time_limit_ms = time_limit_ms;
    proto
}
