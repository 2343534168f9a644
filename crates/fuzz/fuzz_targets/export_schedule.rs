//! An ExportScheduleRequest from arbitrary bytes goes through the ExportService's conversion and
//! then the export library's text outputs (ICS, CSV) and pictures (heatmap and month SVG), which
//! check the calendar id, the heatmap and the posts themselves. Accepted or refused, never a
//! panic. PNG rasterising is left out: it takes tens of milliseconds for the same SVG.
#![no_main]

use libfuzzer_sys::fuzz_target;
use prost::Message;
use slotwise_export::{self as export, picture};
use slotwise_proto::v1::ExportScheduleRequest;
use slotwise_server::export::{calendar_from_proto, ics_options};

fuzz_target!(|data: &[u8]| {
    let Ok(request) = ExportScheduleRequest::decode(data) else {
        return;
    };
    let Ok(calendar) = calendar_from_proto(&request) else {
        return;
    };
    if let Ok(options) = ics_options(request.event_minutes) {
        let _ = export::to_ics(&calendar, &options);
    }
    let _ = export::to_csv(&calendar);
    let _ = picture::heatmap_svg(&calendar, &request.heatmap);
    let _ = picture::month_svg(&calendar);
});
