//! A ReportPostPerformanceRequest from arbitrary bytes goes through the AudienceService's
//! checks and conversion: accepted or refused by field, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use prost::Message;
use slotwise_proto::v1::ReportPostPerformanceRequest;
use slotwise_server::audience::new_performance;

fuzz_target!(|data: &[u8]| {
    let Ok(request) = ReportPostPerformanceRequest::decode(data) else {
        return;
    };
    let _ = new_performance(&request);
});
