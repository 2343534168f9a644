//! The tower layer every call passes through, around all the services.
//!
//! In order, for each call: find the method ([`methods`]), open its span; for an API call,
//! check its key ([`crate::auth`]) and put its [`crate::auth::Tenant`] in its extensions,
//! refuse it with UNAVAILABLE once the drain started ([`drain`]), note its deadline
//! ([`deadline`]) and answer DEADLINE_EXCEEDED itself when the deadline passes first; then,
//! when its answer ends, log one line and record its metrics ([`call`]) with its status code,
//! whether a handler, tonic (a message over the size cap, an unknown method) or the gate
//! itself answered.
//!
//! Health checks and reflection need no key and are served through the whole drain, so load
//! balancers see NOT_SERVING rather than a closed port.

pub mod body;
pub mod call;
pub mod deadline;
pub mod drain;
pub mod methods;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use tonic::{Code, Status};
use tower_layer::Layer;
use tower_service::Service;
use tracing::Instrument;

use crate::auth::ApiKeys;
use crate::error::ServiceError;
use body::ObservedBody;
use call::Call;
use deadline::Deadline;
use drain::Drain;
use methods::{Access, Methods};

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// What the gate checks calls against.
#[derive(Debug)]
struct Rules {
    keys: ApiKeys,
    methods: Methods,
    drain: Drain,
}

/// Wraps the server's routes in a [`GateService`].
#[derive(Debug, Clone)]
pub struct GateLayer {
    rules: Arc<Rules>,
}

impl GateLayer {
    pub fn new(keys: ApiKeys, methods: Methods, drain: Drain) -> Self {
        let rules = Rules {
            keys,
            methods,
            drain,
        };
        Self {
            rules: Arc::new(rules),
        }
    }
}

impl<S> Layer<S> for GateLayer {
    type Service = GateService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        GateService {
            inner,
            rules: self.rules.clone(),
        }
    }
}

/// See the [module](self) documentation.
#[derive(Debug, Clone)]
pub struct GateService<S> {
    inner: S,
    rules: Arc<Rules>,
}

impl<S, B> Service<http::Request<B>> for GateService<S>
where
    S: Service<http::Request<B>, Response = http::Response<tonic::body::Body>>,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
{
    type Response = http::Response<tonic::body::Body>;
    type Error = S::Error;
    type Future = BoxFuture<Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: http::Request<B>) -> Self::Future {
        let method = self.rules.methods.lookup(request.uri().path());
        let mut call = Call::start(method, Instant::now());
        if let Err(error) = self.rules.admit(&mut request, &mut call) {
            let answer = observe(refusal(error), call);
            return Box::pin(std::future::ready(Ok(answer)));
        }

        let deadline = request.extensions().get::<Deadline>().copied();
        let span = call.span().clone();
        let answer = span.in_scope(|| self.inner.call(request));
        Box::pin(
            async move {
                let response = match deadline {
                    Some(deadline) => within(deadline, answer).await,
                    None => answer.await,
                };
                match response {
                    Ok(response) => Ok(observe(response, call)),
                    Err(error) => {
                        call.finish(Code::Internal);
                        Err(error)
                    }
                }
            }
            .instrument(span),
        )
    }
}

impl Rules {
    /// Lets an API call in (with its tenant and deadline in its extensions) or says why not.
    fn admit<B>(
        &self,
        request: &mut http::Request<B>,
        call: &mut Call,
    ) -> Result<(), ServiceError> {
        if call.method().access == Access::Open {
            return Ok(());
        }

        let tenant = self.keys.authenticate(request.headers())?;
        call.set_tenant(tenant.clone());

        let in_flight = self.drain.enter().ok_or(ServiceError::ShuttingDown)?;
        call.hold_in_flight(in_flight);

        if let Some(deadline) = Deadline::from_headers(request.headers(), call.started()) {
            request.extensions_mut().insert(deadline);
        }
        request.extensions_mut().insert(tenant);
        Ok(())
    }
}

/// The inner answer, or DEADLINE_EXCEEDED when the deadline comes first.
async fn within<F, E>(deadline: Deadline, answer: F) -> Result<http::Response<tonic::body::Body>, E>
where
    F: Future<Output = Result<http::Response<tonic::body::Body>, E>>,
{
    let reply_by = tokio::time::Instant::from_std(deadline.reply_by());
    match tokio::time::timeout_at(reply_by, answer).await {
        Ok(response) => response,
        Err(_) => Ok(refusal(ServiceError::DeadlinePassed)),
    }
}

/// The answer to a call the gate refuses itself.
fn refusal(error: ServiceError) -> http::Response<tonic::body::Body> {
    Status::from(error).into_http()
}

/// Notes the status of a response's headers, and hands the call to its body to finish.
fn observe(
    response: http::Response<tonic::body::Body>,
    mut call: Call,
) -> http::Response<tonic::body::Body> {
    call.note(response.headers());
    let (parts, body) = response.into_parts();
    if call.has_status() {
        // A trailers-only answer: nothing follows the headers.
        call.finish(Code::Unknown);
    }
    http::Response::from_parts(parts, tonic::body::Body::new(ObservedBody::new(body, call)))
}
