//! `slotwise.v1.AudienceService`: an account's stated audience activity and how its posts did,
//! stored durably; every acknowledged write makes the learned values of the account fresh.

use chrono::Utc;
use chrono_tz::Tz;
use slotwise_proto::v1::{
    self, AudienceActivity, GetAudienceActivityRequest, PutAudienceActivityRequest,
    ReportPostPerformanceRequest, ReportPostPerformanceResponse,
    audience_service_server::AudienceService,
};
use slotwise_store::{
    self as store, LearningMetric, NewAudienceActivity, NewPostPerformance, PerformanceRecorded,
};
use tonic::{Request, Response, Status};

use crate::auth::Tenant;
use crate::convert::{timestamp, to_timestamp};
use crate::error::{FieldError, ServiceError, respond};
use crate::learning::{Learning, account_id};

/// Values of an hourly activity heatmap: one per local hour of the week.
const HOURS_PER_WEEK: usize = 168;

/// Longest account or post id accepted.
const MAX_ID_LENGTH: usize = 256;

#[derive(Debug, Clone)]
pub struct AudienceApi {
    learning: Learning,
}

impl AudienceApi {
    pub fn new(learning: Learning) -> Self {
        Self { learning }
    }

    async fn put(
        &self,
        tenant: &Tenant,
        request: PutAudienceActivityRequest,
    ) -> Result<AudienceActivity, ServiceError> {
        let activity = new_activity(&request)?;

        let stored = self
            .learning
            .store()
            .put_audience_activity(tenant.as_str(), activity)
            .await?;
        self.learning
            .account_changed(tenant.as_str(), &stored.account_id);
        Ok(activity_to_proto(&stored))
    }

    async fn get(
        &self,
        tenant: &Tenant,
        request: GetAudienceActivityRequest,
    ) -> Result<AudienceActivity, ServiceError> {
        account_id("account_id", &request.account_id)?;
        let version = match request.version {
            0 => None,
            version => Some(
                i64::try_from(version)
                    .map_err(|_| FieldError::new("version", "is larger than any stored version"))?,
            ),
        };

        let stored = self
            .learning
            .store()
            .get_audience_activity(tenant.as_str(), &request.account_id, version)
            .await?;
        Ok(activity_to_proto(&stored))
    }

    async fn report(
        &self,
        tenant: &Tenant,
        request: ReportPostPerformanceRequest,
    ) -> Result<ReportPostPerformanceResponse, ServiceError> {
        let performance = new_performance(&request)?;

        let recorded = self
            .learning
            .store()
            .record_post_performance(tenant.as_str(), performance)
            .await?;
        let response = match recorded {
            PerformanceRecorded::Inserted { account_posts } => {
                self.learning
                    .account_changed(tenant.as_str(), &request.account_id);
                ReportPostPerformanceResponse {
                    already_recorded: false,
                    account_posts,
                }
            }
            PerformanceRecorded::AlreadyRecorded { account_posts } => {
                ReportPostPerformanceResponse {
                    already_recorded: true,
                    account_posts,
                }
            }
        };
        Ok(response)
    }
}

/// Checks a PutAudienceActivityRequest and turns it into the activity to store. Public for the
/// fuzz targets (crates/fuzz), which feed it arbitrary requests.
pub fn new_activity(
    request: &PutAudienceActivityRequest,
) -> Result<NewAudienceActivity, FieldError> {
    check_id("account_id", &request.account_id)?;
    request.time_zone.parse::<Tz>().map_err(|_| {
        FieldError::new(
            "time_zone",
            format!("{:?} is not an IANA time zone", request.time_zone),
        )
    })?;
    let values = &request.hourly_activity;
    if values.len() != HOURS_PER_WEEK {
        return Err(FieldError::new(
            "hourly_activity",
            format!("must have {HOURS_PER_WEEK} values, got {}", values.len()),
        ));
    }
    if let Some(hour) = values.iter().position(|v| !v.is_finite() || *v < 0.0) {
        return Err(FieldError::new(
            format!("hourly_activity[{hour}]"),
            "must be finite and non-negative",
        ));
    }

    Ok(NewAudienceActivity {
        account_id: request.account_id.clone(),
        time_zone: request.time_zone.clone(),
        hourly_activity: values.clone(),
        metric: metric(request.metric)?,
        updated_at: Utc::now(),
    })
}

fn metric(value: i32) -> Result<LearningMetric, FieldError> {
    match v1::LearningMetric::try_from(value) {
        Ok(v1::LearningMetric::Unspecified | v1::LearningMetric::Engagements) => {
            Ok(LearningMetric::Engagements)
        }
        Ok(v1::LearningMetric::Views) => Ok(LearningMetric::Views),
        Err(_) => Err(FieldError::new(
            "metric",
            format!("{value} is not a LearningMetric"),
        )),
    }
}

fn metric_to_proto(metric: LearningMetric) -> v1::LearningMetric {
    match metric {
        LearningMetric::Engagements => v1::LearningMetric::Engagements,
        LearningMetric::Views => v1::LearningMetric::Views,
    }
}

/// Checks a ReportPostPerformanceRequest and turns it into the performance to store. Public for
/// the fuzz targets (crates/fuzz).
pub fn new_performance(
    request: &ReportPostPerformanceRequest,
) -> Result<NewPostPerformance, FieldError> {
    check_id("account_id", &request.account_id)?;
    check_id("post_id", &request.post_id)?;
    let posted_at = timestamp("posted_at", request.posted_at.as_ref())?;
    if let Some(seconds) = request.average_watch_seconds
        && (!seconds.is_finite() || seconds < 0.0)
    {
        return Err(FieldError::new(
            "average_watch_seconds",
            "must be finite and non-negative",
        ));
    }
    let reported_at = Utc::now();
    if posted_at > reported_at {
        return Err(FieldError::new("posted_at", "is in the future"));
    }

    Ok(NewPostPerformance {
        account_id: request.account_id.clone(),
        post_id: request.post_id.clone(),
        posted_at,
        pillar_id: request.pillar_id.clone(),
        format_id: request.format_id.clone(),
        views: request.views,
        likes: request.likes,
        comments: request.comments,
        shares: request.shares,
        saves: request.saves,
        follows: request.follows,
        average_watch_seconds: request.average_watch_seconds,
        decision_id: Some(request.decision_id.clone()).filter(|id| !id.is_empty()),
        reported_at,
    })
}

fn check_id(field: &str, value: &str) -> Result<(), FieldError> {
    account_id(field, value)?;
    if value.len() > MAX_ID_LENGTH {
        return Err(FieldError::new(
            field,
            format!("must be at most {MAX_ID_LENGTH} bytes long"),
        ));
    }
    Ok(())
}

fn activity_to_proto(activity: &store::AudienceActivity) -> AudienceActivity {
    AudienceActivity {
        account_id: activity.account_id.clone(),
        time_zone: activity.time_zone.clone(),
        hourly_activity: activity.hourly_activity.clone(),
        metric: metric_to_proto(activity.metric) as i32,
        version: activity.version.max(0) as u64,
        updated_at: Some(to_timestamp(activity.updated_at)),
    }
}

#[tonic::async_trait]
impl AudienceService for AudienceApi {
    async fn put_audience_activity(
        &self,
        request: Request<PutAudienceActivityRequest>,
    ) -> Result<Response<AudienceActivity>, Status> {
        let tenant = Tenant::of(&request);
        respond(self.put(&tenant, request.into_inner()).await)
    }

    async fn get_audience_activity(
        &self,
        request: Request<GetAudienceActivityRequest>,
    ) -> Result<Response<AudienceActivity>, Status> {
        let tenant = Tenant::of(&request);
        respond(self.get(&tenant, request.into_inner()).await)
    }

    async fn report_post_performance(
        &self,
        request: Request<ReportPostPerformanceRequest>,
    ) -> Result<Response<ReportPostPerformanceResponse>, Status> {
        let tenant = Tenant::of(&request);
        respond(self.report(&tenant, request.into_inner()).await)
    }
}
