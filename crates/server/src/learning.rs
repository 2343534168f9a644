//! The learned slot values of each account, kept warm for `GetBestSlots` and `OptimizeSchedule`.
//!
//! Three moka caches, from the store outwards:
//! - an account's *state* (its latest audience activity and every post's evidence), read from the
//!   store on a miss and stamped with a fresh *generation* number;
//! - the *posterior* fitted to a state, per format filter, keyed by generation;
//! - GetBestSlots *answers*, keyed by generation and the request's bytes.
//!
//! A write to an account (new activity, a new post's performance) drops its state after the
//! store acknowledged it. The next read builds a new state with a generation never used before,
//! so no posterior or answer of the old data can be served again: new data invalidates at once.
//! A read that raced a write (it read the store before the write and finished after it) does not
//! keep what it built, because the account's write epoch moved in between.
//!
//! Every lookup is counted, hit or miss, by cache (`state`, `posterior`, `answer`) in
//! [`crate::metrics`].
//!
//! Posteriors and answers also expire after [`FIT_TTL`]: old evidence decays with time, so a
//! fit is refreshed even when nothing new arrives.
//!
//! A write drops the state only in the process that served it. With a store that several
//! replicas share ([`Learning::shared`]), states also expire after a short staleness, so a
//! replica learns of another's writes within that time.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use moka::sync::Cache;
use slotwise_slots::{FitInput, PostEvidence, Posterior, Prior, PriorConfig};
use slotwise_store::{AudienceActivity, AudienceStore, LearningMetric, PostPerformance};

use crate::error::{FieldError, ServiceError};
use crate::metrics;

/// How long a fitted posterior (and an answer from it) is served before it is fitted again.
pub const FIT_TTL: Duration = Duration::from_secs(10 * 60);

/// Accounts whose state is kept in memory.
const MAX_ACCOUNTS: u64 = 100_000;

/// Posteriors kept: a few formats per warm account.
const MAX_POSTERIORS: u64 = 200_000;

/// GetBestSlots answers kept.
const MAX_ANSWERS: u64 = 100_000;

type AccountKey = (String, String);

/// What the learner knows of one account, as read from the store at one moment.
#[derive(Debug)]
pub struct AccountState {
    /// Unique to this state in this process: caches keyed by it can never serve older data.
    pub generation: u64,
    pub activity: AudienceActivity,
    pub time_zone: Tz,
    pub evidence: Vec<PostEvidence>,
}

/// The learned values of every account, shared by the services that use them.
#[derive(Debug, Clone)]
pub struct Learning {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<dyn AudienceStore>,
    prior: Prior,
    states: Cache<AccountKey, Arc<AccountState>>,
    posteriors: Cache<(u64, Option<String>), Arc<Posterior>>,
    answers: Cache<(u64, Vec<u8>), Arc<Vec<u8>>>,
    /// Per account, how many writes the store acknowledged: a state built across a write is
    /// not kept.
    write_epochs: Mutex<HashMap<AccountKey, u64>>,
    next_generation: AtomicU64,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Learning")
            .field("accounts", &self.states.entry_count())
            .field("posteriors", &self.posteriors.entry_count())
            .field("answers", &self.answers.entry_count())
            .finish_non_exhaustive()
    }
}

impl Learning {
    /// The learner of a store that only this process writes to.
    pub fn new(store: Arc<dyn AudienceStore>, config: PriorConfig) -> Result<Self, ServiceError> {
        Self::build(store, config, None)
    }

    /// The learner of a store that other processes write to as well: an account's state is
    /// read again once it is older than `staleness`.
    pub fn shared(
        store: Arc<dyn AudienceStore>,
        config: PriorConfig,
        staleness: Duration,
    ) -> Result<Self, ServiceError> {
        Self::build(store, config, Some(staleness))
    }

    fn build(
        store: Arc<dyn AudienceStore>,
        config: PriorConfig,
        staleness: Option<Duration>,
    ) -> Result<Self, ServiceError> {
        let prior = Prior::new(config)?;
        let states = Cache::builder().max_capacity(MAX_ACCOUNTS);
        let states = match staleness {
            Some(staleness) => states.time_to_live(staleness).build(),
            None => states.build(),
        };
        let inner = Inner {
            store,
            prior,
            states,
            posteriors: Cache::builder()
                .max_capacity(MAX_POSTERIORS)
                .time_to_live(FIT_TTL)
                .build(),
            answers: Cache::builder()
                .max_capacity(MAX_ANSWERS)
                .time_to_live(FIT_TTL)
                .build(),
            write_epochs: Mutex::default(),
            next_generation: AtomicU64::new(1),
        };
        Ok(Self {
            inner: Arc::new(inner),
        })
    }

    pub fn store(&self) -> &Arc<dyn AudienceStore> {
        &self.inner.store
    }

    /// The account's state, from memory or read from the store.
    pub async fn account(
        &self,
        tenant: &str,
        account_id: &str,
    ) -> Result<Arc<AccountState>, ServiceError> {
        let key = (tenant.to_owned(), account_id.to_owned());
        let cached = self.inner.states.get(&key);
        metrics::cache_lookup("state", cached.is_some());
        if let Some(state) = cached {
            return Ok(state);
        }

        let epoch = self.write_epoch(&key);
        let store = &self.inner.store;
        let activity = store
            .get_audience_activity(tenant, account_id, None)
            .await?;
        let posts = store.list_post_performance(tenant, account_id).await?;
        let state = Arc::new(AccountState {
            generation: self.inner.next_generation.fetch_add(1, Ordering::Relaxed),
            time_zone: stored_zone(&activity)?,
            evidence: posts
                .iter()
                .map(|post| evidence(post, activity.metric))
                .collect(),
            activity,
        });
        if self.write_epoch(&key) == epoch {
            self.inner.states.insert(key, state.clone());
        }
        Ok(state)
    }

    /// The posterior of `state`, learning only from posts of `format_id` when given.
    pub fn posterior(
        &self,
        state: &AccountState,
        format_id: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Arc<Posterior>, ServiceError> {
        let key = (state.generation, format_id.map(str::to_owned));
        let cached = self.inner.posteriors.get(&key);
        metrics::cache_lookup("posterior", cached.is_some());
        if let Some(posterior) = cached {
            return Ok(posterior);
        }

        let posterior = Arc::new(self.inner.prior.fit(&FitInput {
            heatmap: &state.activity.hourly_activity,
            time_zone: state.time_zone,
            evidence: &state.evidence,
            now,
            format_id,
        })?);
        self.inner.posteriors.insert(key, posterior.clone());
        Ok(posterior)
    }

    /// A cached answer (encoded) for `request_bytes` against `state`.
    pub fn cached_answer(
        &self,
        state: &AccountState,
        request_bytes: &[u8],
    ) -> Option<Arc<Vec<u8>>> {
        let cached = self
            .inner
            .answers
            .get(&(state.generation, request_bytes.to_vec()));
        metrics::cache_lookup("answer", cached.is_some());
        cached
    }

    pub fn keep_answer(&self, state: &AccountState, request_bytes: Vec<u8>, answer: Vec<u8>) {
        self.inner
            .answers
            .insert((state.generation, request_bytes), Arc::new(answer));
    }

    /// Forgets the account's state after the store acknowledged a write to it.
    pub fn account_changed(&self, tenant: &str, account_id: &str) {
        let key = (tenant.to_owned(), account_id.to_owned());
        {
            let mut epochs = self
                .inner
                .write_epochs
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            *epochs.entry(key.clone()).or_default() += 1;
        }
        self.inner.states.invalidate(&key);
    }

    fn write_epoch(&self, key: &AccountKey) -> u64 {
        let epochs = self
            .inner
            .write_epochs
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        epochs.get(key).copied().unwrap_or(0)
    }
}

/// The account's zone as stored; the service checked it when it was put.
fn stored_zone(activity: &AudienceActivity) -> Result<Tz, ServiceError> {
    activity.time_zone.parse::<Tz>().map_err(|_| {
        ServiceError::Internal(format!(
            "stored time zone {:?} of account {} is not an IANA name",
            activity.time_zone, activity.account_id
        ))
    })
}

/// What a post says about its hour, in the account's metric.
fn evidence(post: &PostPerformance, metric: LearningMetric) -> PostEvidence {
    let p = &post.post;
    let value = match metric {
        LearningMetric::Engagements => p
            .likes
            .saturating_add(p.comments)
            .saturating_add(p.shares)
            .saturating_add(p.saves),
        LearningMetric::Views => p.views,
    };
    PostEvidence {
        posted_at: p.posted_at,
        value: value as f64,
        format_id: Some(p.format_id.clone()).filter(|id| !id.is_empty()),
    }
}

/// Longest id (account, post, experiment, decision) a request may name. Ids come back in
/// error messages, which travel in a header.
pub const MAX_ID_LENGTH: usize = 256;

/// The account id field of a request: required, and at most [`MAX_ID_LENGTH`] bytes.
pub fn account_id(field: &str, value: &str) -> Result<(), FieldError> {
    if value.is_empty() {
        return Err(FieldError::new(field, "is required"));
    }
    if value.len() > MAX_ID_LENGTH {
        let message = format!("must be at most {MAX_ID_LENGTH} bytes long");
        return Err(FieldError::new(field, message));
    }
    Ok(())
}
