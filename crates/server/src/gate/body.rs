//! The answer's body, watched for the trailers that carry a streamed call's status.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use tonic::{Code, Status};

use crate::gate::call::Call;

/// A response body that finishes its [`Call`] when its trailers go out, or when it is dropped
/// before that.
#[derive(Debug)]
pub struct ObservedBody {
    inner: tonic::body::Body,
    call: Call,
}

impl ObservedBody {
    pub fn new(inner: tonic::body::Body, call: Call) -> Self {
        Self { inner, call }
    }
}

impl Body for ObservedBody {
    type Data = Bytes;
    type Error = Status;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Status>>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_frame(cx);
        match &polled {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(trailers) = frame.trailers_ref() {
                    this.call.note(trailers);
                    this.call.finish(Code::Unknown);
                }
            }
            Poll::Ready(Some(Err(status))) => {
                let mut headers = http::HeaderMap::new();
                if status.add_header(&mut headers).is_ok() {
                    this.call.note(&headers);
                }
                this.call.finish(Code::Internal);
            }
            Poll::Ready(None) => this.call.finish(Code::Unknown),
            Poll::Pending => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
