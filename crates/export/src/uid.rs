//! Stable calendar event uids, so that importing an updated plan updates its events rather
//! than adding a second copy of each.
//!
//! A uid must name the same video from one version of the plan to the next, and a video's
//! time is exactly what a re-plan changes, so no uid is built from a start time:
//!
//! - a pinned post is the post the business already scheduled: its pinned id;
//! - an episode of a series is that episode wherever it moves: series id and episode number;
//! - any other post is "the n-th video of this pillar and format from this batch" (or of this
//!   pillar and format, when production is not planned in batches), counted in time order,
//!   which is how a filmed batch is used up. Moving a post leaves every other uid
//!   as it was unless it overtakes a post of the same pillar, format and batch; then the two
//!   swap uids, and a re-import still updates two events instead of duplicating one. A post
//!   that a new plan drops leaves its old event behind in the calendar (an import adds and
//!   updates, it never deletes), and a post that moves to another batch gets a new uid.
//!
//! The calendar id is part of every uid, so two plans of one business (or two businesses)
//! never share an event. Every part is percent-encoded, which keeps a uid to URL-safe
//! characters and two different posts from ever spelling the same uid.

use std::collections::{HashMap, HashSet};

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::{Calendar, CalendarPost, ExportError};

/// Characters kept as they are in a uid part; every other one is percent-encoded, `/` and `@`
/// included, so the separators stay unambiguous.
const UID_PART: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.');

/// The event uid of every post, in the order of `calendar.posts`.
pub fn event_uids(calendar: &Calendar) -> Result<Vec<String>, ExportError> {
    let mut uids = vec![String::new(); calendar.posts.len()];
    for (index, uid) in uids_in_time_order(calendar)? {
        uids[index] = uid;
    }
    Ok(uids)
}

/// The posts in time order, each with its event uid.
pub(crate) fn posts_with_uids(
    calendar: &Calendar,
) -> Result<Vec<(&CalendarPost, String)>, ExportError> {
    let uids = uids_in_time_order(calendar)?;
    Ok(uids
        .into_iter()
        .map(|(index, uid)| (&calendar.posts[index], uid))
        .collect())
}

/// Indexes into `calendar.posts` in time order, with the uid of each.
fn uids_in_time_order(calendar: &Calendar) -> Result<Vec<(usize, String)>, ExportError> {
    if calendar.calendar_id.is_empty() {
        return Err(ExportError::EmptyCalendarId);
    }
    let mut order: Vec<usize> = (0..calendar.posts.len()).collect();
    order.sort_by_key(|&index| calendar.posts[index].start_time);

    let mut ordinals: HashMap<(&str, &str, Option<&str>), u32> = HashMap::new();
    let mut seen = HashSet::new();
    let mut uids = Vec::with_capacity(order.len());
    for index in order {
        let parts = uid_parts(&calendar.posts[index], &mut ordinals);
        let uid = format_uid(&calendar.calendar_id, &parts);
        if !seen.insert(uid.clone()) {
            return Err(ExportError::DuplicateUid { uid });
        }
        uids.push((index, uid));
    }
    Ok(uids)
}

/// What identifies the post across versions of the plan; `ordinals` counts the ordinary posts
/// of each pillar, format and batch seen so far.
fn uid_parts<'a>(
    post: &'a CalendarPost,
    ordinals: &mut HashMap<(&'a str, &'a str, Option<&'a str>), u32>,
) -> Vec<String> {
    if let Some(pinned_id) = &post.pinned_id {
        return vec!["pinned".into(), pinned_id.clone()];
    }
    if let Some(series) = &post.series {
        return vec![
            "series".into(),
            series.series_id.clone(),
            series.episode.to_string(),
        ];
    }

    let key = (
        post.pillar_id.as_str(),
        post.format_id.as_str(),
        post.batch_id.as_deref(),
    );
    let ordinal = ordinals.entry(key).or_insert(0);
    *ordinal += 1;
    let mut parts = match &post.batch_id {
        Some(batch_id) => vec!["batch".into(), batch_id.clone()],
        None => vec!["post".into()],
    };
    parts.extend([
        post.pillar_id.clone(),
        post.format_id.clone(),
        ordinal.to_string(),
    ]);
    parts
}

/// `calendar/kind/part...@slotwise`, every part percent-encoded, such as
/// `bakery/batch/sunday-shoot-2/tips/tutorial-60s/1@slotwise`.
fn format_uid(calendar_id: &str, parts: &[String]) -> String {
    let mut uid = utf8_percent_encode(calendar_id, UID_PART).to_string();
    for part in parts {
        uid.push('/');
        uid.extend(utf8_percent_encode(part, UID_PART));
    }
    uid.push_str("@slotwise");
    uid
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separators_inside_ids_are_encoded() {
        let uid = format_uid("a/b", &["post".into(), "x@y".into(), "1".into()]);
        assert_eq!(uid, "a%2Fb/post/x%40y/1@slotwise");
    }
}
