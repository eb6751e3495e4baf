// Small named errors, mapped to HTTP status in one place (http.ts), each carrying its cause.

/** A failure that retrying cannot fix (bad input, a deleted object): fail at once, keep the reason. */
export class NonRetriableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'NonRetriableError'
  }
}

/** A failure worth retrying after a delay (rate limits, timeouts, 5xx from a dependency). */
export class RetryAfterError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs: number,
    options?: { cause?: unknown },
  ) {
    super(message, options)
    this.name = 'RetryAfterError'
  }
}

/** A request the caller must change: carries the HTTP status and a message a person can act on. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
    this.name = 'HttpError'
  }
}
