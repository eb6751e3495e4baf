// A typed client for the billing edge function, the web app's only backend. Every call carries the
// user's access token and the anon key (the gateway checks both); errors become `ApiError`s whose
// message is the function's own, written for the person using the app.
import type {
  ApiErrorBody,
  CancelReason,
  ChangeResponse,
  CreateOrganizationResponse,
  ExportLink,
  Invitation,
  MembersView,
  OrganizationSummary,
  OrganizationsResponse,
  Overview,
  PlanChangePreview,
  RedirectResponse,
  SyncResponse,
} from './api-types.ts'

export type * from './api-types.ts'

/** An error to show as is: the billing function's message, or ours when it could not be reached. */
export class ApiError extends Error {
  override name = 'ApiError'
  readonly status: number
  readonly code: string

  constructor(message: string, status: number, code: string, options?: { cause?: unknown }) {
    super(message, options)
    this.status = status
    this.code = code
  }
}

/** What the pages need from the backend; tests pass a fake with the same shape. */
export interface BillingApi {
  listOrganizations(): Promise<OrganizationSummary[]>
  createOrganization(name: string): Promise<OrganizationSummary>
  getOverview(orgId: string): Promise<Overview>
  /** Starts Stripe Checkout for a price; resolves to the Checkout URL. */
  checkout(orgId: string, priceId: string): Promise<RedirectResponse>
  /** Opens the Stripe customer portal; resolves to its URL. */
  portal(orgId: string): Promise<RedirectResponse>
  /** Fetches the customer from Stripe now and returns the fresh overview. */
  sync(orgId: string): Promise<Overview>
  requestExport(orgId: string): Promise<ExportLink>
  /** Cancels at period end with the customer's reason; resolves to the overview synced from Stripe. */
  cancel(orgId: string, reason: CancelReason): Promise<Overview>
  /** Withdraws a scheduled cancellation; resolves to the overview synced from Stripe. */
  resume(orgId: string): Promise<Overview>
  getMembers(orgId: string): Promise<MembersView>
  /** Invites an email address with a role; the email goes out with the accept link. */
  invite(orgId: string, email: string, role: string): Promise<Invitation>
  resendInvitation(orgId: string, invitationId: string): Promise<Invitation>
  revokeInvitation(orgId: string, invitationId: string): Promise<void>
  changeRole(orgId: string, userId: string, role: string): Promise<MembersView>
  removeMember(orgId: string, userId: string): Promise<MembersView>
  leave(orgId: string): Promise<void>
  /** Joins the organization of the invitation whose link carried this token. */
  acceptInvitation(token: string): Promise<{ organization_id: string }>
  /** What changing to a price would charge now and on the next invoice (Stripe's invoice preview). */
  previewPlanChange(orgId: string, priceId: string): Promise<PlanChangePreview>
  /** Applies a previewed change, priced as previewed; resolves to the overview synced from Stripe. */
  changePlan(orgId: string, priceId: string, prorationDate: number): Promise<Overview>
  /** Releases the plan change scheduled for the period's end; resolves to the overview synced from Stripe. */
  undoPlanChange(orgId: string): Promise<Overview>
}

export interface BillingApiOptions {
  /** `${SUPABASE_URL}/functions/v1/billing` */
  baseUrl: string
  anonKey: string
  /** The signed-in user's access token, or null when there is no session. */
  getAccessToken: () => Promise<string | null>
  fetch?: typeof fetch
}

/** The message for an error of any kind, for showing to the person. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error && error.message) return error.message
  return 'Something went wrong. Please try again.'
}

function isErrorBody(value: unknown): value is ApiErrorBody {
  if (typeof value !== 'object' || value === null || !('error' in value)) return false
  const inner = (value as { error: unknown }).error
  return typeof inner === 'object' && inner !== null && typeof (inner as { message?: unknown }).message === 'string'
}

export function createBillingApi(options: BillingApiOptions): BillingApi {
  const baseUrl = options.baseUrl.replace(/\/+$/, '')
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis)

  async function request<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const token = await options.getAccessToken()
    if (!token) throw new ApiError('Your session has ended. Please sign in again.', 401, 'not_signed_in')
    const headers: Record<string, string> = { Authorization: `Bearer ${token}`, apikey: options.anonKey, Accept: 'application/json' }
    if (body !== undefined) headers['Content-Type'] = 'application/json'

    let response: Response
    try {
      response = await doFetch(`${baseUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
    } catch (cause) {
      throw new ApiError('Could not reach the billing service. Check your connection and try again.', 0, 'network_error', { cause })
    }

    const text = await response.text()
    let json: unknown = null
    if (text) {
      try {
        json = JSON.parse(text)
      } catch (cause) {
        if (response.ok) throw new ApiError('The billing service sent an unreadable answer.', response.status, 'bad_response', { cause })
      }
    }
    if (!response.ok) {
      if (isErrorBody(json)) throw new ApiError(json.error.message, response.status, json.error.code)
      throw new ApiError(`The billing service answered with an error (${response.status}).`, response.status, 'http_error')
    }
    return json as T
  }

  const org = (id: string) => `/organizations/${encodeURIComponent(id)}`

  return {
    listOrganizations: async () => (await request<OrganizationsResponse>('GET', '/organizations')).organizations,
    createOrganization: async (name) => (await request<CreateOrganizationResponse>('POST', '/organizations', { name })).organization,
    getOverview: (orgId) => request<Overview>('GET', org(orgId)),
    checkout: (orgId, priceId) => request<RedirectResponse>('POST', `${org(orgId)}/checkout`, { price_id: priceId }),
    portal: (orgId) => request<RedirectResponse>('POST', `${org(orgId)}/portal`, {}),
    sync: async (orgId) => (await request<SyncResponse>('POST', `${org(orgId)}/sync`, {})).overview,
    requestExport: (orgId) => request<ExportLink>('POST', `${org(orgId)}/export`, {}),
    cancel: async (orgId, reason) => (await request<ChangeResponse>('POST', `${org(orgId)}/cancel`, reason)).overview,
    resume: async (orgId) => (await request<ChangeResponse>('POST', `${org(orgId)}/resume`, {})).overview,
    getMembers: (orgId) => request<MembersView>('GET', `${org(orgId)}/members`),
    invite: async (orgId, email, role) => (await request<{ invitation: Invitation }>('POST', `${org(orgId)}/invitations`, { email, role })).invitation,
    resendInvitation: async (orgId, id) => (await request<{ invitation: Invitation }>('POST', `${org(orgId)}/invitations/${encodeURIComponent(id)}/resend`, {})).invitation,
    revokeInvitation: async (orgId, id) => void (await request('POST', `${org(orgId)}/invitations/${encodeURIComponent(id)}/revoke`, {})),
    changeRole: (orgId, userId, role) => request<MembersView>('POST', `${org(orgId)}/members/${encodeURIComponent(userId)}/role`, { role }),
    removeMember: (orgId, userId) => request<MembersView>('POST', `${org(orgId)}/members/${encodeURIComponent(userId)}/remove`, {}),
    leave: async (orgId) => void (await request('POST', `${org(orgId)}/leave`, {})),
    acceptInvitation: (token) => request<{ organization_id: string }>('POST', '/invitations/accept', { token }),
    previewPlanChange: (orgId, priceId) => request<PlanChangePreview>('POST', `${org(orgId)}/plan-change/preview`, { price_id: priceId }),
    changePlan: async (orgId, priceId, prorationDate) =>
      (await request<ChangeResponse>('POST', `${org(orgId)}/plan-change`, { price_id: priceId, proration_date: prorationDate })).overview,
    undoPlanChange: async (orgId) => (await request<ChangeResponse>('POST', `${org(orgId)}/plan-change/undo`, {})).overview,
  }
}
