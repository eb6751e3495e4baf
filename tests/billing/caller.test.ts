// Who may call the billing function: sessions signed with the project's shared secret (HS256) or with
// its asymmetric signing keys (verified against the JWKS Supabase publishes).
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose'
import { verifyCaller, type JwtKeys } from '../../supabase/functions/_shared/billing/caller.ts'
import { HttpError } from '../../supabase/functions/_shared/errors.ts'

const SECRET = 'a-shared-secret-of-at-least-thirty-two-characters'
const USER = '6a1f0c7e-2b7d-4c1e-9d3a-2f1f1c0e9a11'
const claims = { sub: USER, role: 'authenticated', email: 'user@example.test' }
let server: http.Server
let jwksUrl: string
let signing: CryptoKey
let stranger: CryptoKey

beforeAll(async () => {
  const pair = await generateKeyPair('ES256')
  signing = pair.privateKey
  stranger = (await generateKeyPair('ES256')).privateKey
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'project-key', alg: 'ES256', use: 'sig' }
  server = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })))
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/auth/v1/.well-known/jwks.json`
})
afterAll(() => new Promise<void>((r) => server.close(() => r())))

const hs = (body: object, secret = SECRET, exp: number | string = '1h') =>
  new SignJWT({ ...body }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(exp).sign(new TextEncoder().encode(secret))
const es = (key: CryptoKey, body: object = claims) => new SignJWT({ ...body }).setProtectedHeader({ alg: 'ES256', kid: 'project-key' }).setExpirationTime('1h').sign(key)
const call = (token: string, keys: JwtKeys) => verifyCaller(new Request('http://x/billing', { headers: { authorization: `Bearer ${token}` } }), keys)
const status = (p: Promise<unknown>) => p.then(() => 200, (e) => (e instanceof HttpError ? e.status : 500))

describe('verifying the caller', () => {
  it('accepts a session signed with the shared secret and returns the user and claims', async () => {
    const caller = await call(await hs(claims), { secret: SECRET })
    expect(caller).toMatchObject({ userId: USER, email: 'user@example.test' })
  })

  it('refuses another secret, an expired session and the anon key with 401', async () => {
    expect(await status(call(await hs(claims, 'another-secret-another-secret-another'), { secret: SECRET }))).toBe(401)
    expect(await status(call(await hs(claims, SECRET, Math.floor(Date.now() / 1000) - 10), { secret: SECRET }))).toBe(401)
    expect(await status(call(await hs({ role: 'anon' }), { secret: SECRET }))).toBe(401)
  })

  it('refuses a signed token that is no user session (another role, even with a user id) or that never expires, with 401', async () => {
    expect(await status(call(await hs({ ...claims, role: 'service_role' }), { secret: SECRET }))).toBe(401)
    const noExpiry = await new SignJWT({ ...claims }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(SECRET))
    await expect(call(noExpiry, { secret: SECRET })).rejects.toMatchObject({ status: 401, code: 'invalid_token' })
  })

  it('accepts a session signed with the project\'s asymmetric key through its JWKS, and refuses other keys', async () => {
    expect((await call(await es(signing), { jwksUrl })).userId).toBe(USER)
    expect(await status(call(await es(stranger), { jwksUrl }))).toBe(401)
    expect(await status(call(await es(signing), { secret: SECRET }))).toBe(401)
    expect(await status(call(await hs(claims), { jwksUrl }))).toBe(401)
  })
})
