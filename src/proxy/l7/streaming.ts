// The retry rule for requests whose body streams (gRPC calls, HTTP/2 uploads): such a body is read
// once, straight from the caller, so it cannot be sent again after bytes left. Only a connect
// failure is retried (nothing was sent then: the session dial failed before the body was piped);
// retries on status codes or 5xx are dropped for these requests, whatever the route says. Envoy
// instead buffers bodies for retries up to a limit; we keep gRPC streams unbuffered so a
// bidirectional call flows both ways at once. Pure.

import type { RetryPolicy } from './retry.js';

export function streamingRetryPolicy(policy: RetryPolicy): RetryPolicy {
  return { numRetries: policy.retryOnConnectFailure ? policy.numRetries : 0, retryOnConnectFailure: policy.retryOnConnectFailure, retryOnStatusCodes: [], retryOn5xx: false };
}
