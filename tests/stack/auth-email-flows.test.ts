// The Auth stand-in's password recovery and email change, through the gateway as supabase-js and a
// browser use them: the links arrive by SMTP in maildev; each token works once, expires, and is stored
// only as a hash; /recover answers the same whether or not an account exists.
import { createHash } from 'node:crypto'
import { afterAll, describe, expect, test } from 'vitest'
import { mailsTo } from '../helpers/mail.ts'
import { adminSql, apiUrl, keys, stackProfile, supabaseClient, uniq } from '../helpers/stack.ts'

const APP = `http://127.0.0.1:${stackProfile.ports.web}`
const sql = adminSql()
afterAll(() => sql.end())

const email = () => `${uniq('reset')}@example.test`
const headers = { apikey: keys.anon, 'content-type': 'application/json' }

async function signUp(address = email()) {
  const c = supabaseClient()
  const { data, error } = await c.auth.signUp({ email: address, password: 'correct-horse-1' })
  expect(error).toBeNull()
  return { c, address, user: data.user! }
}

/** The /verify link of the one mail with this subject that reached the address. */
async function linkIn(address: string, subject: string): Promise<URL> {
  const mails = (await mailsTo(address, { timeoutMs: 20_000 })).filter((m) => m.subject === subject)
  expect(mails).toHaveLength(1)
  const href = /href="([^"]+)"/.exec(mails[0].html)![1].replace(/&amp;/g, '&')
  return new URL(href)
}

const recover = (address: string, redirectTo = `${APP}/update-password`) =>
  fetch(`${apiUrl}/auth/v1/recover?redirect_to=${encodeURIComponent(redirectTo)}`, { method: 'POST', headers, body: JSON.stringify({ email: address }) })

/** Opens a link as a browser would (no API key), returning where it redirects. */
async function open(link: URL): Promise<URL> {
  const res = await fetch(link, { redirect: 'manual' })
  expect(res.status).toBe(303)
  return new URL(res.headers.get('location')!)
}

const verify = (token_hash: string) =>
  fetch(`${apiUrl}/auth/v1/verify`, { method: 'POST', headers, body: JSON.stringify({ type: 'recovery', token_hash }) })
const invalid = { code: 403, error_code: 'otp_expired', msg: 'Token has expired or is invalid' }

const fragment = (u: URL) => Object.fromEntries(new URLSearchParams(u.hash.slice(1)))

describe('password recovery', () => {
  test('the emailed link signs the user in once, to set a new password', async () => {
    const { address, user } = await signUp()
    const res = await recover(address)
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({})
    const link = await linkIn(address, 'Reset your password')
    expect(link.searchParams.get('type')).toBe('recovery')

    // Only the hash of the token is stored.
    const [row] = await sql`select recovery_token from auth.users where id = ${user.id}`
    expect(row.recovery_token).toBe(createHash('sha256').update(link.searchParams.get('token')!).digest('hex'))

    const landed = await open(link)
    expect(landed.origin + landed.pathname).toBe(`${APP}/update-password`)
    const session = fragment(landed)
    expect(session).toMatchObject({ type: 'recovery', token_type: 'bearer' })

    const c = supabaseClient()
    await c.auth.setSession({ access_token: session.access_token, refresh_token: session.refresh_token })
    const { error } = await c.auth.updateUser({ password: 'new-horse-battery-2' })
    expect(error).toBeNull()
    expect((await supabaseClient().auth.signInWithPassword({ email: address, password: 'new-horse-battery-2' })).error).toBeNull()

    // Used twice: the second opening lands on the app with GoTrue's error.
    expect(fragment(await open(link))).toEqual({
      error: 'access_denied', error_code: 'otp_expired', error_description: 'Email link is invalid or has expired',
    })
  })

  test('a token_hash verifies once through POST /verify; twice or unknown is 403 otp_expired', async () => {
    const { address, user } = await signUp()
    await recover(address)
    const token = (await linkIn(address, 'Reset your password')).searchParams.get('token')!
    const first = await verify(token)
    expect(first.status).toBe(200)
    expect((await first.json()).user.id).toBe(user.id)
    for (const again of [await verify(token), await verify('no-such-token')]) {
      expect(again.status).toBe(403)
      expect(await again.json()).toEqual(invalid)
    }
  })

  test('a link older than a day is refused with 403 otp_expired, and one just inside it works', async () => {
    const { address, user } = await signUp()
    await recover(address)
    const token = (await linkIn(address, 'Reset your password')).searchParams.get('token')!
    await sql`update auth.users set recovery_sent_at = now() - interval '25 hours' where id = ${user.id}`
    const expired = await verify(token)
    expect(expired.status).toBe(403)
    expect(await expired.json()).toEqual(invalid)
    await sql`update auth.users set recovery_sent_at = now() - interval '23 hours' where id = ${user.id}`
    expect((await verify(token)).status).toBe(200)
  })

  test('supabase-js resetPasswordForEmail answers the same for an unknown address, and nothing is sent', async () => {
    const { address } = await signUp()
    const unknown = email()
    // The unknown address first: a mail to it would have left before the known one's, which the test awaits.
    const none = await supabaseClient().auth.resetPasswordForEmail(unknown, { redirectTo: `${APP}/update-password` })
    const known = await supabaseClient().auth.resetPasswordForEmail(address, { redirectTo: `${APP}/update-password` })
    expect(none).toEqual(known)
    expect(none.error).toBeNull()
    await linkIn(address, 'Reset your password')
    expect(await mailsTo(unknown, { timeoutMs: 2000 })).toHaveLength(0)
  })

  test('a redirect_to off the app falls back to the app', async () => {
    const { address } = await signUp()
    await recover(address, 'https://attacker.example/steal')
    const link = await linkIn(address, 'Reset your password')
    expect(link.searchParams.get('redirect_to')).toBe(APP)
  })
})

describe('email change', () => {
  test('the email changes only when the link sent to the new address is followed', async () => {
    const { c, address, user } = await signUp()
    const next = email()
    const { data, error } = await c.auth.updateUser({ email: next }, { emailRedirectTo: `${APP}/account` })
    expect(error).toBeNull()
    expect(data.user).toMatchObject({ email: address, new_email: next })
    expect((await supabaseClient().auth.signInWithPassword({ email: next, password: 'correct-horse-1' })).error?.code).toBe('invalid_credentials')

    const link = await linkIn(next, 'Confirm your new email address')
    expect(link.searchParams.get('type')).toBe('email_change')
    const [row] = await sql`select email, email_change_token_new from auth.users where id = ${user.id}`
    expect(row.email).toBe(address)
    expect(row.email_change_token_new).toBe(createHash('sha256').update(link.searchParams.get('token')!).digest('hex'))

    const landed = await open(link)
    expect(landed.origin + landed.pathname).toBe(`${APP}/account`)
    expect(fragment(landed).type).toBe('email_change')
    const signIn = await supabaseClient().auth.signInWithPassword({ email: next, password: 'correct-horse-1' })
    expect(signIn.data.user?.email).toBe(next)
    expect(signIn.data.user).not.toHaveProperty('new_email')
    expect(fragment(await open(link)).error_code).toBe('otp_expired')
  })

  test("changing to another account's address is refused with email_exists", async () => {
    const { c } = await signUp()
    const other = await signUp()
    const { error } = await c.auth.updateUser({ email: other.address })
    expect(error?.code).toBe('email_exists')
    expect(error?.status).toBe(422)
  })
})
