// Small named errors, each carrying its cause; HttpError is mapped to HTTP status in one place (http.ts).

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

/**
 * The one error every function answers with: an HTTP status, a stable `code` a program can branch on,
 * a message a person can act on, and headers the answer needs (`allow`, `retry-after`). http.ts turns
 * it (and the library errors it classifies) into the one JSON shape `{error: {code, message}}`.
 */
export class HttpError extends Error {
  readonly headers: Record<string, string>
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    options?: { cause?: unknown; headers?: Record<string, string> },
  ) {
    super(message, options)
    this.name = 'HttpError'
    this.headers = options?.headers ?? {}
  }
}

/** 405 for a method the endpoint does not take, naming the ones it does. */
export const methodNotAllowed = (allow: string) =>
  new HttpError(405, 'method_not_allowed', `only ${allow.split(', ').join(' or ')} is accepted`, { headers: { allow } })
