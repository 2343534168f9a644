//! A CreateExperimentRequest from arbitrary bytes goes through what ExperimentService does
//! before it stores the experiment: the conversion and validation of its config, the bandit
//! built from it, and the JSON the store keeps.
//!
//! Beyond "no panic", a config the validation accepts must build a bandit (the service answers
//! INTERNAL otherwise, for what is a client's mistake) and must read back from its stored JSON
//! unchanged (the experiment is replayed from it after every restart).
#![no_main]

use libfuzzer_sys::fuzz_target;
use prost::Message;
use slotwise_bandit::Experiment;
use slotwise_proto::v1::CreateExperimentRequest;
use slotwise_server::experiments::convert::{StoredConfig, config_from_create};

fuzz_target!(|data: &[u8]| {
    let Ok(request) = CreateExperimentRequest::decode(data) else {
        return;
    };
    let Ok(config) = config_from_create(&request) else {
        return;
    };

    if let Err(error) = Experiment::new(config.bandit.clone()) {
        panic!("a validated config builds no bandit: {error}\n{config:?}");
    }
    let stored = match serde_json::to_value(&config) {
        Ok(stored) => stored,
        Err(error) => panic!("a validated config cannot be stored: {error}\n{config:?}"),
    };
    match serde_json::from_value::<StoredConfig>(stored.clone()) {
        Ok(read_back) => assert_eq!(read_back, config, "stored as {stored}"),
        Err(error) => panic!("a stored config does not read back: {error}\n{stored}"),
    }
});
