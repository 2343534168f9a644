//! `slotwise-loadgen`: drives a running `slotwise serve` at a fixed request rate and reports the
//! latency distribution.
//!
//! The load is open-loop: requests are sent on a fixed schedule whether or not earlier ones
//! have answered, and each latency is measured from the instant the request was *due*, not from
//! when it was sent. A server that falls behind therefore shows its queueing delay in the
//! percentiles instead of quietly slowing the generator down (the "coordinated omission" of
//! closed-loop generators). tokio's timer wakes once a millisecond, so a request leaves up to a
//! millisecond after it was due (at 10,000 requests a second, in bursts of ten), and the
//! latency from due includes that lag of the generator's own; the result line also gives the
//! latency from the instant each request was sent. Requests still in flight beyond
//! `--max-in-flight` are not sent and are counted as `shed`, so an overloaded run says so
//! instead of exhausting memory.
//!
//! Methods: `best-slots` (GetBestSlots for one account; `--setup` stores the account and 16
//! weeks of post performance first; `--vary` moves the window by a minute per request so no
//! answer comes from the cache), `health` (grpc.health.v1 Check) and `optimize`
//! (OptimizeSchedule of a request file in proto3 JSON).

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{DateTime, TimeDelta, Utc};
use clap::{Parser, ValueEnum};
use hdrhistogram::Histogram;
use slotwise_proto::v1::{
    GetBestSlotsRequest, OptimizeScheduleRequest, PutAudienceActivityRequest,
    ReportPostPerformanceRequest, audience_service_client::AudienceServiceClient,
    planner_service_client::PlannerServiceClient,
};
use tokio::sync::Mutex;
use tokio::time::MissedTickBehavior;
use tonic::transport::{Channel, Endpoint};
use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};

#[derive(Debug, Parser)]
#[command(
    name = "slotwise-loadgen",
    version,
    about = "Fixed-rate gRPC load for slotwise"
)]
struct Args {
    /// The server, such as http://127.0.0.1:50051.
    #[arg(long, default_value = "http://127.0.0.1:50051")]
    endpoint: String,
    #[arg(long, value_enum)]
    method: Method,
    /// Requests a second.
    #[arg(long)]
    rate: u64,
    /// Seconds of measured load, after the warm-up.
    #[arg(long, default_value_t = 10)]
    duration: u64,
    /// Seconds of load before measuring.
    #[arg(long, default_value_t = 2)]
    warmup: u64,
    /// HTTP/2 connections, used in turn.
    #[arg(long, default_value_t = 4)]
    connections: usize,
    /// Requests allowed in flight before new ones are shed.
    #[arg(long, default_value_t = 20_000)]
    max_in_flight: u64,
    /// best-slots: store the account and its post history before the run.
    #[arg(long)]
    setup: bool,
    /// best-slots: a different window each request, so that no answer is cached.
    #[arg(long)]
    vary: bool,
    /// optimize: the OptimizeScheduleRequest, in proto3 JSON.
    #[arg(long)]
    request: Option<PathBuf>,
    /// A label for the result line.
    #[arg(long, default_value = "")]
    label: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Method {
    BestSlots,
    Health,
    Optimize,
}

const ACCOUNT: &str = "loadgen-bakery";

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    anyhow::ensure!(args.rate > 0, "--rate must be positive");
    let channels = connect(&args).await?;
    if args.setup {
        set_up_account(channels[0].clone()).await?;
    }
    let optimize = match (&args.method, &args.request) {
        (Method::Optimize, Some(path)) => Some(read_request(path)?),
        (Method::Optimize, None) => anyhow::bail!("--method optimize needs --request FILE"),
        _ => None,
    };
    let call = Arc::new(Call {
        method: args.method,
        vary: args.vary,
        started: Utc::now(),
        optimize,
    });

    run(
        &args,
        &channels,
        call.clone(),
        Duration::from_secs(args.warmup),
        None,
    )
    .await;
    let results = Arc::new(Mutex::new(Results::new()?));
    let measured = Duration::from_secs(args.duration);
    let elapsed = run(&args, &channels, call, measured, Some(results.clone())).await;

    let results = results.lock().await;
    print_results(&args, &results, elapsed);
    Ok(())
}

async fn connect(args: &Args) -> anyhow::Result<Vec<Channel>> {
    let mut channels = Vec::with_capacity(args.connections.max(1));
    for _ in 0..args.connections.max(1) {
        let channel = Endpoint::from_shared(args.endpoint.clone())?
            .tcp_nodelay(true)
            .connect()
            .await
            .with_context(|| format!("cannot connect to {}", args.endpoint))?;
        channels.push(channel);
    }
    Ok(channels)
}

fn read_request(path: &PathBuf) -> anyhow::Result<OptimizeScheduleRequest> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text)
        .with_context(|| format!("{} is not an OptimizeScheduleRequest", path.display()))
}

/// What every request of the run sends.
#[derive(Debug)]
struct Call {
    method: Method,
    vary: bool,
    started: DateTime<Utc>,
    optimize: Option<OptimizeScheduleRequest>,
}

impl Call {
    async fn send(&self, channel: Channel, sequence: u64) -> Result<(), tonic::Code> {
        let answer = match self.method {
            Method::BestSlots => {
                let shift = if self.vary { sequence as i64 } else { 0 };
                PlannerServiceClient::new(channel)
                    .get_best_slots(best_slots_request(self.started, shift))
                    .await
                    .map(drop)
            }
            Method::Health => HealthClient::new(channel)
                .check(HealthCheckRequest::default())
                .await
                .map(drop),
            Method::Optimize => {
                let request = self.optimize.clone().unwrap_or_default();
                PlannerServiceClient::new(channel)
                    .optimize_schedule(request)
                    .await
                    .map(drop)
            }
        };
        answer.map_err(|status| status.code())
    }
}

/// Latencies of the answered requests and counts of the others.
#[derive(Debug)]
struct Results {
    /// From the instant each request was due: what a client on this schedule waits.
    latency: Histogram<u64>,
    /// From the instant each request was sent: the same less the generator's own lag (its
    /// timer wakes once a millisecond), so nearer what the server and the network take.
    sent_to_answer: Histogram<u64>,
    errors: Vec<(tonic::Code, u64)>,
    shed: u64,
}

impl Results {
    fn new() -> anyhow::Result<Self> {
        Ok(Self {
            latency: Histogram::new_with_bounds(1, 60_000_000_000, 3)?,
            sent_to_answer: Histogram::new_with_bounds(1, 60_000_000_000, 3)?,
            errors: Vec::new(),
            shed: 0,
        })
    }

    fn record(&mut self, due: Instant, sent: Instant, answer: Result<(), tonic::Code>) {
        let nanos = |from: Instant| from.elapsed().as_nanos().min(u128::from(u64::MAX)) as u64;
        match answer {
            Ok(()) => {
                self.latency.saturating_record(nanos(due).max(1));
                self.sent_to_answer.saturating_record(nanos(sent).max(1));
            }
            Err(code) => match self.errors.iter_mut().find(|(c, _)| *c == code) {
                Some((_, count)) => *count += 1,
                None => self.errors.push((code, 1)),
            },
        }
    }
}

/// Sends requests at `args.rate` for `length`, recording into `results` when given; returns
/// the time from the first request to the last answer.
async fn run(
    args: &Args,
    channels: &[Channel],
    call: Arc<Call>,
    length: Duration,
    results: Option<Arc<Mutex<Results>>>,
) -> Duration {
    let total = (args.rate as f64 * length.as_secs_f64()).round() as u64;
    let period = Duration::from_secs_f64(1.0 / args.rate as f64);
    let in_flight = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut ticks = tokio::time::interval(period);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Burst);

    let mut tasks = tokio::task::JoinSet::new();
    for sequence in 0..total {
        ticks.tick().await;
        let due = started + period.mul_f64(sequence as f64);
        if in_flight.load(Ordering::Relaxed) >= args.max_in_flight {
            if let Some(results) = &results {
                results.lock().await.shed += 1;
            }
            continue;
        }

        let channel = channels[sequence as usize % channels.len()].clone();
        let (call, in_flight, results) = (call.clone(), in_flight.clone(), results.clone());
        in_flight.fetch_add(1, Ordering::Relaxed);
        tasks.spawn(async move {
            let sent = Instant::now();
            let answer = call.send(channel, sequence).await;
            in_flight.fetch_sub(1, Ordering::Relaxed);
            if let Some(results) = results {
                results.lock().await.record(due, sent, answer);
            }
        });
        while tasks.try_join_next().is_some() {}
    }
    while tasks.join_next().await.is_some() {}
    started.elapsed()
}

fn print_results(args: &Args, results: &Results, elapsed: Duration) {
    let latency = &results.latency;
    let ms = |nanos: u64| nanos as f64 / 1e6;
    let errors: u64 = results.errors.iter().map(|(_, count)| count).sum();
    let answered = latency.len() + errors;
    let errors_text = if results.errors.is_empty() {
        "none".to_owned()
    } else {
        results
            .errors
            .iter()
            .map(|(code, count)| format!("{code:?} {count}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let line = format!(
        "| {} {:?} | {} | {:.0} | {} | {} | {} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} |",
        args.label,
        args.method,
        args.rate,
        answered as f64 / elapsed.as_secs_f64(),
        latency.len(),
        errors_text,
        results.shed,
        ms(latency.value_at_quantile(0.5)),
        ms(latency.value_at_quantile(0.9)),
        ms(latency.value_at_quantile(0.99)),
        ms(latency.value_at_quantile(0.999)),
        ms(latency.max()),
        ms(results.sent_to_answer.value_at_quantile(0.5)),
        ms(results.sent_to_answer.value_at_quantile(0.99)),
    );
    // The result line is this tool's output.
    #[allow(clippy::print_stdout)]
    {
        println!(
            "| run | target/s | achieved/s | ok | errors | shed | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | sent p50 ms | sent p99 ms |"
        );
        println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        println!("{line}");
    }
}

fn timestamp(instant: DateTime<Utc>) -> pbjson_types::Timestamp {
    pbjson_types::Timestamp {
        seconds: instant.timestamp(),
        nanos: 0,
    }
}

/// A scheduler's question: the 10 best slots of the next 14 days at 15-minute slots.
fn best_slots_request(now: DateTime<Utc>, shift_minutes: i64) -> GetBestSlotsRequest {
    let start = now + TimeDelta::minutes(shift_minutes);
    GetBestSlotsRequest {
        account_id: ACCOUNT.into(),
        window_start: Some(timestamp(start)),
        window_end: Some(timestamp(start + TimeDelta::days(14))),
        count: 10,
        min_gap_minutes: 180,
        slot_minutes: 15,
        ..Default::default()
    }
}

/// Stores the load's account: an evening-peaking heatmap and 16 weeks of one post a day.
async fn set_up_account(channel: Channel) -> anyhow::Result<()> {
    let mut audience = AudienceServiceClient::new(channel);
    let heatmap = (0..168)
        .map(|hour| match hour % 24 {
            19..=21 => 1.0,
            12 | 13 => 0.7,
            8..=18 => 0.4,
            _ => 0.08,
        })
        .collect();
    audience
        .put_audience_activity(PutAudienceActivityRequest {
            account_id: ACCOUNT.into(),
            time_zone: "Europe/London".into(),
            hourly_activity: heatmap,
            metric: 0,
        })
        .await?;

    let now = Utc::now();
    for post in 0..16 * 7_i64 {
        let posted_at = now - TimeDelta::days(112) + TimeDelta::hours(post * 24 + 7 + post % 13);
        audience
            .report_post_performance(ReportPostPerformanceRequest {
                account_id: ACCOUNT.into(),
                post_id: format!("loadgen-post-{post}"),
                posted_at: Some(timestamp(posted_at)),
                format_id: "quick-15s".into(),
                views: 1_000 + 37 * (post as u64 % 17),
                likes: 60 + 3 * (post as u64 % 11),
                ..Default::default()
            })
            .await?;
    }
    Ok(())
}
