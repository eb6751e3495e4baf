// Auth and the gateway as supabase-js sees them: sign up and sign in through /auth/v1, and functions
// that accept the user's JWT and refuse forged or missing ones.
import { SignJWT } from 'jose'
import { describe, expect, test } from 'vitest'
import { apiUrl, functionsUrl, keys, stackProfile, supabaseClient, uniq } from '../helpers/stack.ts'

const client = () => supabaseClient()
const email = () => `${uniq('user')}@example.test`

describe('auth through the gateway', () => {
  test('supabase-js signs up a user, who is confirmed at once and gets a session', async () => {
    const before = Date.now() - 60_000
    const { data, error } = await client().auth.signUp({ email: email(), password: 'correct-horse-1' })
    expect(error).toBeNull()
    // The session's access token is a JWT for this user; the confirmation is dated now.
    const claims = JSON.parse(Buffer.from(data.session!.access_token.split('.')[1], 'base64url').toString())
    expect(claims).toMatchObject({ sub: data.user!.id, role: 'authenticated', email: data.user!.email })
    expect(Date.parse(data.user!.email_confirmed_at!)).toBeGreaterThan(before)
  })

  test('supabase-js signs in with the password and reads the user back', async () => {
    const address = email()
    await client().auth.signUp({ email: address, password: 'correct-horse-1' })
    const c = client()
    const { data, error } = await c.auth.signInWithPassword({ email: address, password: 'correct-horse-1' })
    expect(error).toBeNull()
    const { data: me } = await c.auth.getUser(data.session!.access_token)
    expect(me.user?.email).toBe(address)
  })

  test('a wrong password is refused with invalid_credentials', async () => {
    const address = email()
    await client().auth.signUp({ email: address, password: 'correct-horse-1' })
    const { data, error } = await client().auth.signInWithPassword({ email: address, password: 'wrong-horse-1' })
    expect(data.session).toBeNull()
    expect(error?.code).toBe('invalid_credentials')
  })

  test('signing up twice with one email is refused', async () => {
    const address = email()
    await client().auth.signUp({ email: address, password: 'correct-horse-1' })
    const { error } = await client().auth.signUp({ email: address, password: 'correct-horse-1' })
    expect(error?.code).toBe('user_already_exists')
  })

  test('a refresh token gives a new session once, then is spent', async () => {
    const { data } = await client().auth.signUp({ email: email(), password: 'correct-horse-1' })
    const c = client()
    const first = await c.auth.refreshSession({ refresh_token: data.session!.refresh_token })
    expect(first.error).toBeNull()
    const again = await client().auth.refreshSession({ refresh_token: data.session!.refresh_token })
    expect(again.error).not.toBeNull()
  })

  test('auth requests without an API key are refused', async () => {
    const res = await fetch(`${apiUrl}/auth/v1/settings`)
    expect(res.status).toBe(401)
    expect(await res.json()).toEqual({ message: 'No API key found in request' })
  })
})

describe('functions behind the gateway', () => {
  test("a function accepts a signed-in user's JWT", async () => {
    const c = client()
    await c.auth.signUp({ email: email(), password: 'correct-horse-1' })
    const { data, error } = await c.functions.invoke('health', { method: 'GET' })
    expect(error).toBeNull()
    expect(data.status).toBe('ok')
  })

  test('a JWT signed with another secret is refused with 401', async () => {
    const forged = await new SignJWT({ role: 'service_role' })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('not-the-project-secret-not-the-project-secret'))
    const res = await fetch(`${functionsUrl}/health`, { headers: { authorization: `Bearer ${forged}` } })
    expect(res.status).toBe(401)
    expect(await res.json()).toEqual({ code: 401, message: 'Invalid JWT' })
  })

  test('a token accepted once is refused after it expires (the gateway remembers a verification only until exp)', async () => {
    const exp = Math.floor(Date.now() / 1000) + 2
    const token = await new SignJWT({ role: 'anon' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(exp)
      .sign(new TextEncoder().encode(stackProfile.jwtSecret))
    const call = () => fetch(`${functionsUrl}/health`, { headers: { authorization: `Bearer ${token}` } })
    expect((await call()).status).toBe(200)
    expect((await call()).status).toBe(200)
    await new Promise((r) => setTimeout(r, exp * 1000 - Date.now() + 50))
    const res = await call()
    expect(res.status).toBe(401)
    expect(await res.json()).toEqual({ code: 401, message: 'Invalid JWT' })
  })

  test('a request without a JWT is refused with 401', async () => {
    const res = await fetch(`${functionsUrl}/health`)
    expect(res.status).toBe(401)
    expect((await res.json()).message).toBe('Missing authorization header')
  })

  test('an unknown function answers 404 with a JSON error', async () => {
    const res = await fetch(`${functionsUrl}/no-such-function`, { headers: { authorization: `Bearer ${keys.anon}` } })
    expect(res.status).toBe(404)
    expect(res.headers.get('content-type')).toContain('application/json')
    expect(await res.json()).toMatchObject({ code: 'NOT_FOUND' })
  })

  test('a method the function does not serve is answered 405', async () => {
    const res = await fetch(`${functionsUrl}/health`, { method: 'DELETE', headers: { authorization: `Bearer ${keys.anon}` } })
    expect(res.status).toBe(405)
  })
})
