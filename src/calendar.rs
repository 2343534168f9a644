//! Renders a solved schedule as a readable weekly calendar in the audience's local time.

use std::io::{self, Write};

use chrono::{DateTime, Datelike, FixedOffset};
use slotwise_planner::PlanRequest;
use slotwise_proto::v1::{OptimizeScheduleResponse, PlannedPost};

/// Writes the summary line, then one block per ISO week with a line per post, then any
/// conflicts or broken rules.
pub fn write_calendar(
    out: &mut impl Write,
    request: &PlanRequest,
    response: &OptimizeScheduleResponse,
) -> io::Result<()> {
    write_summary(out, request, response)?;

    let mut current_week = None;
    let mut current_day = None;
    for post in &response.posts {
        let Ok(local) = DateTime::parse_from_rfc3339(&post.local_time) else {
            writeln!(out, "  ?  {}  {}", post.local_time, post.pillar_id)?;
            continue;
        };
        let week = local.iso_week();
        if current_week != Some(week) {
            writeln!(out, "\nWeek {}-W{:02}", week.year(), week.week())?;
            current_week = Some(week);
            current_day = None;
        }
        let day_label = if current_day == Some(local.date_naive()) {
            String::new()
        } else {
            current_day = Some(local.date_naive());
            local.format("%a %d %b").to_string()
        };
        write_post(out, request, &day_label, local, post)?;
    }

    write_problems(out, response)
}

fn write_summary(
    out: &mut impl Write,
    request: &PlanRequest,
    response: &OptimizeScheduleResponse,
) -> io::Result<()> {
    let stats = response.stats.clone().unwrap_or_default();
    writeln!(
        out,
        "{}: {} posts, objective {:.3} (bound {:.3}, gap {:.3}%), {:.1} ms with {}",
        response
            .status()
            .as_str_name()
            .trim_start_matches("SOLVE_STATUS_"),
        response.posts.len(),
        response.objective,
        response.best_bound,
        response.gap * 100.0,
        stats.solve_ms,
        stats.backend,
    )?;
    writeln!(
        out,
        "Times are local to {} ({} of {} slots were candidates)",
        request.horizon.time_zone, stats.candidate_slots, stats.slots
    )
}

fn write_post(
    out: &mut impl Write,
    request: &PlanRequest,
    day_label: &str,
    local: DateTime<FixedOffset>,
    post: &PlannedPost,
) -> io::Result<()> {
    let pillar = request
        .pillars
        .iter()
        .find(|pillar| pillar.id == post.pillar_id)
        .map_or(post.pillar_id.as_str(), |pillar| pillar.name.as_str());
    let score = post.score.as_ref().map_or(0.0, |score| score.total);

    let mut notes = Vec::new();
    if !post.batch_id.is_empty() {
        notes.push(format!("batch {}", post.batch_id));
    }
    if let Some(episode) = &post.series_episode {
        notes.push(format!(
            "{} {}/{}",
            episode.series_id, episode.episode, episode.episodes
        ));
    }
    if post.pinned {
        notes.push("pinned".to_owned());
    }

    writeln!(
        out,
        "  {day_label:<11} {}  {pillar:<22} {:<14} {score:>7.3}  {}",
        local.format("%H:%M"),
        post.format_id,
        notes.join(", "),
    )
}

fn write_problems(out: &mut impl Write, response: &OptimizeScheduleResponse) -> io::Result<()> {
    if !response.conflicts.is_empty() {
        writeln!(out, "\nThe rules cannot all hold:")?;
        for conflict in &response.conflicts {
            writeln!(
                out,
                "  - {} [{}]",
                conflict.message,
                conflict.rules.join(", ")
            )?;
        }
    }
    if !response.violations.is_empty() {
        writeln!(out, "\nBroken rules:")?;
        for violation in &response.violations {
            writeln!(
                out,
                "  - {}: {} (short by {})",
                violation.rule, violation.message, violation.shortfall
            )?;
        }
    }
    Ok(())
}
