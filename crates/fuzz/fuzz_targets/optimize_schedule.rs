//! An OptimizeScheduleRequest from arbitrary bytes goes through what the service does before it
//! solves: the wire conversion, then the planner's validation. Each must accept the request or
//! refuse it by field; a panic would be a call that kills its worker instead of answering
//! INVALID_ARGUMENT. The solve itself is left out: it is bounded by the request's time limit,
//! not by its size, and would make every run seconds long.
#![no_main]

use libfuzzer_sys::fuzz_target;
use prost::Message;
use slotwise_proto::v1::OptimizeScheduleRequest;
use slotwise_server::convert::plan_request_from_proto;

fuzz_target!(|data: &[u8]| {
    let Ok(request) = OptimizeScheduleRequest::decode(data) else {
        return;
    };
    let Ok(plan_request) = plan_request_from_proto(&request) else {
        return;
    };
    let _ = slotwise_planner::validate::validate(&plan_request);
});
