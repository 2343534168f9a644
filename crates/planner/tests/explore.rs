//! Exploration inside a plan ([`plan_exploring`]): the share of posts a draw places, what stays
//! put, and that the result obeys every rule of the request.

// A failed plan is a failed test: unwrapping it is the report.
#![allow(clippy::unwrap_used)]

use chrono::{Datelike, Timelike};
use slotwise_planner::check::check_schedule;
use slotwise_planner::scenarios::four_weeks_hourly;
use slotwise_planner::{PlanError, PlannedPost, SolveStatus, plan, plan_exploring};

fn hour_of_week(post: &PlannedPost) -> usize {
    post.local_time.weekday().num_days_from_monday() as usize * 24 + post.local_time.hour() as usize
}

/// A draw that believes the opposite of the heatmap: the quiet hours are the good ones.
fn upside_down(heatmap: &[f64]) -> Vec<f64> {
    let top = heatmap.iter().cloned().fold(0.0, f64::max);
    heatmap.iter().map(|value| top - value).collect()
}

#[test]
fn no_share_plans_the_best_schedule_unchanged() {
    let request = four_weeks_hourly();
    let draw = upside_down(&request.heatmap);

    let exploring = plan_exploring(&request, &draw, 0.0).unwrap();

    let best = plan(&request).unwrap();
    assert_eq!(exploring.schedule.posts, best.posts);
    assert_eq!(exploring.schedule.status, best.status);
    assert!(exploring.explored.iter().all(Option::is_none));
}

#[test]
fn a_share_of_the_posts_moves_to_where_the_draw_points() {
    let request = four_weeks_hourly();
    let draw = upside_down(&request.heatmap);
    let best = plan(&request).unwrap();

    let exploring = plan_exploring(&request, &draw, 0.25).unwrap();

    let schedule = &exploring.schedule;
    let broken = check_schedule(&request, schedule);
    assert!(broken.is_empty(), "{broken:#?}");
    let explored: Vec<(&PlannedPost, f64)> = schedule
        .posts
        .iter()
        .zip(&exploring.explored)
        .filter_map(|(post, drawn)| drawn.map(|drawn| (post, drawn)))
        .collect();
    let planned = best.posts.len();
    assert_eq!(explored.len(), (0.25 * planned as f64).round() as usize);
    for (post, drawn) in &explored {
        let hour = hour_of_week(post);
        assert_eq!(
            *drawn, draw[hour],
            "the drawn value is the draw's at the post's hour"
        );
        assert_eq!(
            post.score.heatmap_value, request.heatmap[hour],
            "scored by the estimate"
        );
    }
    let moved_to_quiet_hours = explored
        .iter()
        .filter(|(post, _)| request.heatmap[hour_of_week(post)] < 0.3)
        .count();
    assert!(
        moved_to_quiet_hours > 0,
        "the draw favours quiet hours, and some posts go there"
    );
    assert!(
        schedule.objective < best.objective,
        "exploring costs some expected value"
    );
    assert!(schedule.best_bound >= best.objective - 1e-9);
    assert_eq!(schedule.status, SolveStatus::Feasible);
}

#[test]
fn series_episodes_and_kept_posts_stay_where_the_best_schedule_put_them() {
    let request = four_weeks_hourly();
    let draw = upside_down(&request.heatmap);
    let best = plan(&request).unwrap();

    let exploring = plan_exploring(&request, &draw, 0.5).unwrap();

    let episodes = |posts: &[PlannedPost]| -> Vec<PlannedPost> {
        posts
            .iter()
            .filter(|p| p.series_episode.is_some())
            .cloned()
            .collect()
    };
    assert_eq!(episodes(&exploring.schedule.posts), episodes(&best.posts));
    let kept = exploring
        .schedule
        .posts
        .iter()
        .zip(&exploring.explored)
        .filter(|(_, drawn)| drawn.is_none());
    for (post, _) in kept {
        assert!(
            best.posts.contains(post),
            "a kept post is one of the best schedule's"
        );
    }
    assert!(check_schedule(&request, &exploring.schedule).is_empty());
}

#[test]
fn a_share_outside_zero_to_one_is_refused_by_name() {
    let request = four_weeks_hourly();
    let draw = request.heatmap.clone();

    let refused = plan_exploring(&request, &draw, 1.5).unwrap_err();
    let short = plan_exploring(&request, &draw[..100], 0.2).unwrap_err();

    assert!(
        matches!(refused, PlanError::InvalidArgument { ref field, .. } if field == "exploration_share")
    );
    assert!(matches!(short, PlanError::InvalidArgument { ref field, .. } if field == "draw"));
}
