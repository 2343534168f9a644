//! A PutAudienceActivityRequest from arbitrary bytes goes through the AudienceService's checks
//! and conversion: accepted or refused by field, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use prost::Message;
use slotwise_proto::v1::PutAudienceActivityRequest;
use slotwise_server::audience::new_activity;

fuzz_target!(|data: &[u8]| {
    let Ok(request) = PutAudienceActivityRequest::decode(data) else {
        return;
    };
    let _ = new_activity(&request);
});
