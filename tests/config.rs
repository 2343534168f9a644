//! End-to-end: `slotwise serve` refuses a bad configuration at start, naming the key, with exit
//! code 2; and a flag wins over its environment variable, which wins over the file.

#![allow(clippy::unwrap_used)]

mod support;

use std::path::{Path, PathBuf};

use support::{ServerProcess, run_serve};

fn write(directory: &Path, name: &str, text: &str) -> PathBuf {
    let path = directory.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs `slotwise serve` and expects it to refuse its configuration with `message`.
fn refused(args: &[&str], env: &[(&str, &str)], message: &str) {
    let output = run_serve(args, env);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{args:?} {env:?}: {stderr}");
    assert!(
        stderr.contains(message),
        "{args:?} {env:?}: expected {message:?} in {stderr}"
    );
    assert!(!stderr.contains("slotwise listening"), "{stderr}");
}

#[test]
fn bad_values_in_the_config_file_name_their_key() {
    let directory = tempfile::tempdir().unwrap();
    let cases = [
        (
            "[limits]\nmax_horizon_days = 400\n",
            "limits.max_horizon_days must be between 1 and 366, got 400",
        ),
        (
            "[limits]\nmax_solve_ms = 1000\ndefault_solve_ms = 5000\n",
            "limits.default_solve_ms must be at most limits.max_solve_ms = 1000, got 5000",
        ),
        (
            "[limits]\nmax_horizon = 30\n",
            "unknown field `max_horizon`",
        ),
        ("listen = \"nowhere\"\n", "listen"),
        ("log_format = \"xml\"\n", "log_format"),
        ("drain_timeout_secs = -1\n", "drain_timeout_secs"),
        (
            "[api_keys]\nbakery = \"not-a-hash\"\n",
            "api_keys: the key hash of tenant bakery must be 64 hex digits",
        ),
        (
            "[tls]\ncert_file = \"server.pem\"\n",
            "tls.key_file is needed with tls.cert_file",
        ),
    ];
    for (index, (text, message)) in cases.into_iter().enumerate() {
        let file = write(directory.path(), &format!("bad-{index}.toml"), text);
        refused(&["--config", file.to_str().unwrap()], &[], message);
    }
}

#[test]
fn bad_values_in_the_environment_and_flags_name_their_key() {
    refused(
        &[],
        &[("SLOTWISE_LIMITS_MAX_SLOTS", "0")],
        "limits.max_slots must be between 1 and 100000, got 0",
    );
    refused(
        &["--limits-max-arms", "1"],
        &[],
        "limits.max_arms must be between 2 and 10000, got 1",
    );
    refused(
        &[],
        &[("SLOTWISE_LIMITS_MAX_ARMS", "many")],
        "--limits-max-arms",
    );
    refused(
        &[],
        &[("SLOTWISE_DATABASE_URL", "mysql://db/slotwise")],
        "database_url must be a postgres:// or postgresql:// URL",
    );
    refused(
        &[],
        &[("SLOTWISE_API_KEYS", "bakery")],
        "api_keys entry \"bakery\" must be tenant:sha256hex",
    );
    refused(
        &[],
        &[("SLOTWISE_CONFIG", "/nonexistent/slotwise.toml")],
        "cannot read the config file /nonexistent/slotwise.toml",
    );
}

#[test]
fn unusable_tls_files_name_their_key() {
    let directory = tempfile::tempdir().unwrap();
    let garbage = write(directory.path(), "garbage.pem", "not a certificate\n");
    let garbage = garbage.to_str().unwrap();

    refused(
        &[
            "--tls-cert-file",
            "/nonexistent/server.pem",
            "--tls-key-file",
            garbage,
        ],
        &[],
        "tls.cert_file: cannot read /nonexistent/server.pem",
    );
    refused(
        &["--tls-cert-file", garbage, "--tls-key-file", garbage],
        &[],
        "tls.cert_file and tls.key_file",
    );
    refused(
        &[],
        &[("SLOTWISE_TLS_CLIENT_CA_FILE", garbage)],
        "tls.client_ca_file needs tls.cert_file and tls.key_file",
    );
}

#[test]
fn a_flag_wins_over_the_environment_which_wins_over_the_file() {
    let directory = tempfile::tempdir().unwrap();
    let file = write(
        directory.path(),
        "slotwise.toml",
        "[limits]\nmax_horizon_days = 400\nmax_arms = 0\n",
    );

    // Each bad value of a lower layer is overridden by a good one above it.
    let server = ServerProcess::builder()
        .args(["--config", file.to_str().unwrap()])
        .env("SLOTWISE_LIMITS_MAX_HORIZON_DAYS", "30")
        .env("SLOTWISE_LIMITS_MAX_ARMS", "1")
        .args(["--limits-max-arms", "20"])
        .start();
    let status = server.terminate();
    assert!(status.success(), "{status:?}");
}
