//! The deployment files of deploy/ checked against what the server does: the ports it listens
//! on, the health service its probes call, the drain it runs on SIGTERM, the settings it reads
//! and the Secrets those settings come from.
//!
//! A manifest that disagrees with the server still applies cleanly and fails only in a cluster
//! (a probe on the wrong port restarts every pod, a drain longer than the grace period is cut
//! by SIGKILL), so the disagreement is caught here instead.

// Helpers outside #[test] functions unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

use std::{
    collections::{BTreeMap, BTreeSet},
    fs,
    path::{Path, PathBuf},
    process::Command,
};

use slotwise_proto::v1::planner_service_server::SERVICE_NAME as PLANNER_SERVICE;
use yaml_rust2::{Yaml, YamlLoader};

/// The gRPC port of the image and of every manifest.
const GRPC_PORT: i64 = 50051;

/// The Prometheus port.
const METRICS_PORT: i64 = 9090;

/// The log filter, read by tracing's `EnvFilter` rather than by a flag.
const LOG_FILTER: &str = "SLOTWISE_LOG";

/// The drain the server runs when no setting says otherwise.
const DEFAULT_DRAIN_SECS: i64 = 10;

/// One YAML document of a manifest file.
struct Manifest {
    file: PathBuf,
    doc: Yaml,
}

impl Manifest {
    fn kind(&self) -> &str {
        self.doc["kind"].as_str().unwrap_or("")
    }

    fn name(&self) -> &str {
        self.doc["metadata"]["name"].as_str().unwrap_or("")
    }

    fn what(&self) -> String {
        format!("{} {} ({})", self.kind(), self.name(), self.file.display())
    }

    fn pod_spec(&self) -> &Yaml {
        &self.doc["spec"]["template"]["spec"]
    }
}

/// Every environment variable `slotwise serve` reads, taken from the binary itself: its help
/// names each flag's variable as `[env: NAME=]`. Asking the binary keeps this list from
/// drifting away from the configuration code.
fn settings() -> BTreeSet<String> {
    // A clean environment, so that the help shows no values (a database URL has a password).
    let output = Command::new(env!("CARGO_BIN_EXE_slotwise"))
        .args(["serve", "--help"])
        .env_clear()
        .output()
        .unwrap();
    assert!(output.status.success(), "slotwise serve --help failed");
    // Help text is wrapped to a width; joining the words undoes any break inside `[env: ...]`.
    let help = String::from_utf8(output.stdout).unwrap();
    let help = help.split_whitespace().collect::<Vec<_>>().join(" ");

    let mut settings: BTreeSet<String> = help
        .split("[env: ")
        .skip(1)
        .map(|rest| rest.split(['=', ']']).next().unwrap().to_owned())
        .collect();
    settings.insert(LOG_FILTER.to_owned());
    settings
}

fn repository() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The deployment options, each a directory of manifests applied together.
fn options() -> Vec<PathBuf> {
    let root = repository().join("deploy/k8s");
    let mut options: Vec<PathBuf> = fs::read_dir(&root)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir())
        .collect();
    options.sort();
    options
}

/// Every document of every manifest of an option, in file order.
fn load(option: &Path) -> Vec<Manifest> {
    let mut files: Vec<PathBuf> = fs::read_dir(option)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            path.extension()
                .is_some_and(|ext| ext == "yaml" || ext == "yml")
        })
        .collect();
    files.sort();

    let mut manifests = Vec::new();
    for file in files {
        let text = fs::read_to_string(&file).unwrap();
        let docs = YamlLoader::load_from_str(&text)
            .unwrap_or_else(|error| panic!("{} is not YAML: {error}", file.display()));
        manifests.extend(
            docs.into_iter()
                .filter(|doc| !doc.is_null())
                .map(|doc| Manifest {
                    file: file.clone(),
                    doc,
                }),
        );
    }
    manifests
}

fn option(name: &str) -> Vec<Manifest> {
    load(&repository().join("deploy/k8s").join(name))
}

fn workloads(manifests: &[Manifest]) -> impl Iterator<Item = &Manifest> {
    manifests
        .iter()
        .filter(|m| matches!(m.kind(), "Deployment" | "StatefulSet"))
}

fn list(value: &Yaml) -> &[Yaml] {
    value.as_vec().map_or(&[], Vec::as_slice)
}

fn containers(workload: &Manifest) -> &[Yaml] {
    list(&workload.pod_spec()["containers"])
}

/// The literal value of a container's environment variable.
fn env_value<'a>(container: &'a Yaml, name: &str) -> Option<&'a str> {
    list(&container["env"])
        .iter()
        .find(|var| var["name"].as_str() == Some(name))
        .and_then(|var| var["value"].as_str())
}

fn port_of(address: &str) -> i64 {
    address.rsplit(':').next().unwrap().parse().unwrap()
}

/// A string-to-string map (labels, selectors) as ordered pairs.
fn string_map(value: &Yaml) -> BTreeMap<String, String> {
    value
        .as_hash()
        .map(|hash| {
            hash.iter()
                .map(|(key, value)| {
                    let value = value.as_str().unwrap_or_else(|| panic!("{value:?}"));
                    (key.as_str().unwrap().to_owned(), value.to_owned())
                })
                .collect()
        })
        .unwrap_or_default()
}

fn pod_labels(workload: &Manifest) -> BTreeMap<String, String> {
    string_map(&workload.doc["spec"]["template"]["metadata"]["labels"])
}

fn selects(selector: &BTreeMap<String, String>, labels: &BTreeMap<String, String>) -> bool {
    !selector.is_empty()
        && selector
            .iter()
            .all(|(key, value)| labels.get(key) == Some(value))
}

#[test]
fn every_manifest_parses_and_names_its_kind() {
    let options = options();
    assert!(options.len() >= 2, "deploy/k8s/ holds {options:?}");

    for option in options {
        let manifests = load(&option);
        assert!(
            !manifests.is_empty(),
            "{} has no manifests",
            option.display()
        );
        for manifest in &manifests {
            assert!(
                manifest.doc["apiVersion"].as_str().is_some(),
                "{}",
                manifest.what()
            );
            assert!(!manifest.kind().is_empty(), "{}", manifest.what());
            assert!(!manifest.name().is_empty(), "{}", manifest.what());
        }
    }
}

#[test]
fn containers_listen_on_the_ports_the_probes_and_prometheus_use() {
    for option in options() {
        let manifests = load(&option);
        assert!(workloads(&manifests).count() > 0, "{}", option.display());

        for workload in workloads(&manifests) {
            let what = workload.what();
            for container in containers(workload) {
                let ports: BTreeMap<&str, i64> = list(&container["ports"])
                    .iter()
                    .map(|port| {
                        let number = port["containerPort"].as_i64().unwrap();
                        (port["name"].as_str().unwrap_or(""), number)
                    })
                    .collect();
                assert_eq!(ports.get("grpc"), Some(&GRPC_PORT), "{what}");
                assert_eq!(ports.get("metrics"), Some(&METRICS_PORT), "{what}");

                let listen = env_value(container, "SLOTWISE_LISTEN").unwrap();
                assert_eq!(port_of(listen), GRPC_PORT, "{what}");
                let metrics = env_value(container, "SLOTWISE_METRICS_LISTEN").unwrap();
                assert_eq!(port_of(metrics), METRICS_PORT, "{what}");

                for probe in ["startupProbe", "livenessProbe", "readinessProbe"] {
                    let port = container[probe]["grpc"]["port"].as_i64();
                    assert_eq!(port, Some(GRPC_PORT), "{what} {probe}");
                }
                // The overall status "" stays SERVING while draining; only the services'
                // own statuses turn NOT_SERVING, so readiness must ask for one of them.
                let ready_service = container["readinessProbe"]["grpc"]["service"].as_str();
                assert_eq!(ready_service, Some(PLANNER_SERVICE), "{what}");
            }

            let annotations =
                string_map(&workload.doc["spec"]["template"]["metadata"]["annotations"]);
            assert_eq!(annotations["prometheus.io/scrape"], "true", "{what}");
            assert_eq!(
                annotations["prometheus.io/port"],
                METRICS_PORT.to_string(),
                "{what}"
            );
        }
    }
}

#[test]
fn the_grace_period_covers_the_pre_stop_sleep_and_the_drain() {
    for option in options() {
        for workload in workloads(&load(&option)) {
            let what = workload.what();
            let grace = workload.pod_spec()["terminationGracePeriodSeconds"]
                .as_i64()
                .unwrap_or_else(|| panic!("{what} sets no terminationGracePeriodSeconds"));
            for container in containers(workload) {
                let pre_stop = container["lifecycle"]["preStop"]["sleep"]["seconds"]
                    .as_i64()
                    .unwrap_or_else(|| panic!("{what} has no preStop sleep"));
                let drain = env_value(container, "SLOTWISE_DRAIN_TIMEOUT_SECS")
                    .map_or(DEFAULT_DRAIN_SECS, |secs| secs.parse().unwrap());
                assert!(pre_stop > 0, "{what}");
                assert!(
                    pre_stop + drain <= grace,
                    "{what}: preStop {pre_stop} s + drain {drain} s > grace period {grace} s"
                );
            }
        }
    }
}

#[test]
fn every_setting_is_one_the_server_reads() {
    let settings = settings();
    for name in [
        "SLOTWISE_LISTEN",
        "SLOTWISE_DATABASE",
        "SLOTWISE_DRAIN_TIMEOUT_SECS",
    ] {
        assert!(settings.contains(name), "{name} missing from {settings:?}");
    }

    for option in options() {
        for workload in workloads(&load(&option)) {
            for container in containers(workload) {
                for var in list(&container["env"]) {
                    let name = var["name"].as_str().unwrap();
                    assert!(
                        settings.contains(name),
                        "{} sets {name}, which slotwise serve does not read (it reads {settings:?})",
                        workload.what()
                    );
                }
            }
        }
    }
}

#[test]
fn every_secret_key_referenced_is_defined() {
    for option in options() {
        let manifests = load(&option);
        let mut defined = BTreeSet::new();
        for secret in manifests.iter().filter(|m| m.kind() == "Secret") {
            for data in ["data", "stringData"] {
                for key in string_map(&secret.doc[data]).into_keys() {
                    defined.insert((secret.name().to_owned(), key));
                }
            }
        }

        for workload in workloads(&manifests) {
            let mut referenced = Vec::new();
            for container in containers(workload) {
                for var in list(&container["env"]) {
                    let key_ref = &var["valueFrom"]["secretKeyRef"];
                    if let (Some(name), Some(key)) =
                        (key_ref["name"].as_str(), key_ref["key"].as_str())
                    {
                        referenced.push((name, key));
                    }
                }
            }
            for volume in list(&workload.pod_spec()["volumes"]) {
                let secret = &volume["secret"];
                if let Some(name) = secret["secretName"].as_str() {
                    for item in list(&secret["items"]) {
                        referenced.push((name, item["key"].as_str().unwrap()));
                    }
                }
            }

            assert!(
                !referenced.is_empty(),
                "{} reads no Secret",
                workload.what()
            );
            for (name, key) in referenced {
                assert!(
                    defined.contains(&(name.to_owned(), key.to_owned())),
                    "{} reads key {key} of Secret {name}, which {} does not define",
                    workload.what(),
                    option.display()
                );
            }
        }
    }
}

#[test]
fn the_api_keys_file_is_where_the_secret_is_mounted() {
    for option in options() {
        for workload in workloads(&load(&option)) {
            for container in containers(workload) {
                let file = Path::new(env_value(container, "SLOTWISE_API_KEYS_FILE").unwrap());
                let mounted = list(&container["volumeMounts"]).iter().any(|mount| {
                    Some(file.parent().unwrap().to_str().unwrap()) == mount["mountPath"].as_str()
                });
                assert!(
                    mounted,
                    "{}: nothing is mounted at {}",
                    workload.what(),
                    file.display()
                );
            }
        }
    }
}

#[test]
fn services_select_the_pods_and_target_their_named_ports() {
    for option in options() {
        let manifests = load(&option);
        let workloads: Vec<&Manifest> = workloads(&manifests).collect();
        for service in manifests.iter().filter(|m| m.kind() == "Service") {
            let selector = string_map(&service.doc["spec"]["selector"]);
            let selected: Vec<&&Manifest> = workloads
                .iter()
                .filter(|workload| selects(&selector, &pod_labels(workload)))
                .collect();
            assert_eq!(
                selected.len(),
                1,
                "{} selects {} workloads",
                service.what(),
                selected.len()
            );

            let container_ports: BTreeSet<&str> = containers(selected[0])
                .iter()
                .flat_map(|container| list(&container["ports"]))
                .filter_map(|port| port["name"].as_str())
                .collect();
            for port in list(&service.doc["spec"]["ports"]) {
                let target = port["targetPort"].as_str().unwrap();
                assert!(
                    container_ports.contains(target),
                    "{}: {target}",
                    service.what()
                );
            }
        }
    }
}

#[test]
fn the_single_option_is_one_replica_on_its_own_volume() {
    let manifests = option("single");
    let workloads: Vec<&Manifest> = workloads(&manifests).collect();
    assert_eq!(workloads.len(), 1);
    let stateful_set = workloads[0];
    assert_eq!(stateful_set.kind(), "StatefulSet");
    // SQLite is one file written by one process: a second replica would need its own copy.
    assert_eq!(stateful_set.doc["spec"]["replicas"].as_i64(), Some(1));
    assert!(
        !manifests
            .iter()
            .any(|m| m.kind() == "HorizontalPodAutoscaler")
    );

    let claims = list(&stateful_set.doc["spec"]["volumeClaimTemplates"]);
    let claim = claims[0]["metadata"]["name"].as_str().unwrap();
    let container = &containers(stateful_set)[0];
    let mount = list(&container["volumeMounts"])
        .iter()
        .find(|mount| mount["name"].as_str() == Some(claim))
        .and_then(|mount| mount["mountPath"].as_str())
        .unwrap();
    let database = env_value(container, "SLOTWISE_DATABASE").unwrap();
    assert!(
        Path::new(database).starts_with(mount),
        "{database} is not on {mount}"
    );
    assert!(env_value(container, "SLOTWISE_DATABASE_URL").is_none());
}

#[test]
fn the_replicas_share_the_store_and_scale_together() {
    let manifests = option("replicas");
    let deployment = workloads(&manifests)
        .find(|m| m.kind() == "Deployment")
        .unwrap();
    let container = &containers(deployment)[0];
    let database_url = list(&container["env"])
        .iter()
        .find(|var| var["name"].as_str() == Some("SLOTWISE_DATABASE_URL"))
        .unwrap();
    assert!(!database_url["valueFrom"]["secretKeyRef"].is_badvalue());
    assert!(
        deployment.pod_spec()["volumes"]
            .as_vec()
            .unwrap()
            .iter()
            .all(|volume| volume["persistentVolumeClaim"].is_badvalue())
    );

    let of_kind = |kind: &str| &manifests.iter().find(|m| m.kind() == kind).unwrap().doc;
    let autoscaler = of_kind("HorizontalPodAutoscaler");
    assert_eq!(
        autoscaler["spec"]["scaleTargetRef"]["kind"].as_str(),
        Some("Deployment")
    );
    assert_eq!(
        autoscaler["spec"]["scaleTargetRef"]["name"].as_str(),
        Some(deployment.name())
    );
    assert!(autoscaler["spec"]["minReplicas"].as_i64().unwrap() >= 2);

    let budget = of_kind("PodDisruptionBudget");
    let selector = string_map(&budget["spec"]["selector"]["matchLabels"]);
    assert!(selects(&selector, &pod_labels(deployment)));

    let headless = manifests
        .iter()
        .filter(|m| m.kind() == "Service")
        .any(|service| service.doc["spec"]["clusterIP"].as_str() == Some("None"));
    assert!(headless, "client-side balancing needs a headless Service");
}

#[test]
fn the_image_copies_only_paths_that_exist_and_exposes_the_ports() {
    let root = repository();
    let dockerfile = fs::read_to_string(root.join("deploy/Dockerfile")).unwrap();
    let ignored: Vec<String> = fs::read_to_string(root.join(".dockerignore"))
        .unwrap()
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(str::to_owned)
        .collect();

    let mut exposed = Vec::new();
    for line in dockerfile.lines().map(str::trim) {
        let mut words = line.split_whitespace();
        match words.next() {
            // Copies from the build context; `--from=builder` copies from a stage.
            Some("COPY") if !line.contains("--from=") => {
                let mut paths: Vec<&str> = words.collect();
                paths.pop();
                for path in paths {
                    assert!(
                        root.join(path).exists(),
                        "the Dockerfile copies {path}, not in the repository"
                    );
                    assert!(
                        !ignored.iter().any(|rule| rule == path),
                        ".dockerignore drops {path}"
                    );
                }
            }
            Some("EXPOSE") => exposed.extend(words.map(|port| port.parse::<i64>().unwrap())),
            _ => {}
        }
    }
    assert_eq!(exposed, [GRPC_PORT, METRICS_PORT]);
    assert!(dockerfile.contains("ENTRYPOINT [\"slotwise\", \"serve\"]"));
}
