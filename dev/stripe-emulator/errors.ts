// Stripe-shaped errors: `{error: {type, code, message, param}}` with the HTTP status Stripe uses.

export class StripeApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: 'invalid_request_error' | 'api_error' | 'card_error' | 'idempotency_error' | 'authentication_error' | 'rate_limit_error',
    message: string,
    readonly extra: { code?: string; param?: string; decline_code?: string; [k: string]: unknown } = {},
  ) {
    super(message)
    this.name = 'StripeApiError'
  }

  body() {
    return { error: { type: this.type, message: this.message, ...this.extra } }
  }
}

export const missing = (kind: string, id: string, param = 'id') =>
  new StripeApiError(404, 'invalid_request_error', `No such ${kind}: '${id}'`, { code: 'resource_missing', param })

/** A 400 Stripe refuses with; `code` only where Stripe documents one (it has no generic "invalid" code). */
export const invalid = (message: string, param?: string, code?: string) =>
  new StripeApiError(400, 'invalid_request_error', message, { ...(code ? { code } : {}), ...(param ? { param } : {}) })

export const required = (param: string) =>
  new StripeApiError(400, 'invalid_request_error', `Missing required param: ${param}.`, { code: 'parameter_missing', param })

export const cardDeclined = (message = 'Your card was declined.', extra: Record<string, unknown> = {}) =>
  new StripeApiError(402, 'card_error', message, { code: 'card_declined', decline_code: 'generic_decline', ...extra })
