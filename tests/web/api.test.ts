// The web app's billing client: what it sends, and how the function's errors reach the person.
import { describe, expect, it, vi } from 'vitest'
import { ApiError, createBillingApi } from '../../web/src/api.ts'
import { active } from './fixtures.ts'

const BASE = 'http://127.0.0.1:54321/functions/v1/billing'

function client(respond: (url: string, init: RequestInit) => Response | Promise<Response>, token: string | null = 'user-jwt') {
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => respond(String(input), init ?? {}))
  const api = createBillingApi({ baseUrl: `${BASE}/`, anonKey: 'anon-key', getAccessToken: async () => token, fetch })
  return { api, fetch }
}

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })

describe('billing api client', () => {
  it("sends the user's token and the anon key, and a JSON body, to the organization's route", async () => {
    const { api, fetch } = client(() => json({ url: 'https://checkout.stripe.test/c/cs_1' }))
    await expect(api.checkout('org 1', 'price_pro_m')).resolves.toEqual({ url: 'https://checkout.stripe.test/c/cs_1' })
    const [url, init] = fetch.mock.calls[0]
    expect(url).toBe(`${BASE}/organizations/org%201/checkout`)
    expect(init?.method).toBe('POST')
    expect(init?.headers).toMatchObject({ Authorization: 'Bearer user-jwt', apikey: 'anon-key', 'Content-Type': 'application/json' })
    expect(JSON.parse(String(init?.body))).toEqual({ price_id: 'price_pro_m' })
  })

  it('unwraps the overview from a sync and the organizations from their list', async () => {
    const overview = active()
    const { api } = client((url) => (url.endsWith('/sync') ? json({ overview }) : json({ organizations: [{ id: 'o1', name: 'Acme', role: 'admin', billing_status: null, plan_name: null }] })))
    await expect(api.sync('o1')).resolves.toEqual(overview)
    await expect(api.listOrganizations()).resolves.toEqual([{ id: 'o1', name: 'Acme', role: 'admin', billing_status: null, plan_name: null }])
  })

  it("turns an error response into an ApiError with the function's message, code and status", async () => {
    const { api } = client(() => json({ error: { code: 'forbidden', message: 'Only admins can change billing.' } }, 403))
    const error = await api.portal('o1').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect(error).toMatchObject({ message: 'Only admins can change billing.', code: 'forbidden', status: 403 })
  })

  it('explains an error response that has no error body', async () => {
    const { api } = client(() => new Response('Bad gateway', { status: 502 }))
    await expect(api.getOverview('o1')).rejects.toMatchObject({ status: 502, message: 'The billing service answered with an error (502).' })
  })

  it('reports a network failure in words instead of "Failed to fetch"', async () => {
    const { api } = client(() => {
      throw new TypeError('Failed to fetch')
    })
    await expect(api.getOverview('o1')).rejects.toMatchObject({ code: 'network_error', message: expect.stringContaining('Could not reach the billing service') })
  })

  it('asks the person to sign in again, without a request, when there is no session', async () => {
    const { api, fetch } = client(() => json({}), null)
    await expect(api.listOrganizations()).rejects.toMatchObject({ status: 401 })
    expect(fetch).not.toHaveBeenCalled()
  })
})
