// The billing API's errors: an HTTP status, a stable code and a message a person can act on.
export class BillingError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
    this.name = 'BillingError'
  }
}

export const notFound = () => new BillingError(404, 'not_found', 'Organization not found, or you are not a member of it.')
export const adminsOnly = () => new BillingError(403, 'admins_only', 'Only an admin of this organization can change its billing.')
