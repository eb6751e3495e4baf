// `npm run stripe:setup` against a private emulator: the catalogue is applied from nothing, a second
// run changes nothing, and changed, removed or drifted things are updated, replaced or archived.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import type Stripe from 'stripe'
import { ROOT } from '../../dev/stack/config.ts'
import { emulatorClient } from '../../dev/stack/stripe.ts'
import { loadCatalog, type Catalog } from '../../scripts/stripe-catalog/catalog.ts'
import { setupCatalog } from '../../scripts/stripe-catalog/setup.ts'
import { STRIPE_API_VERSION } from '../../supabase/functions/_shared/stripe/client.ts'
import { HANDLED_EVENT_TYPES } from '../../supabase/functions/_shared/stripe/handled-events.ts'
import { stackProfile } from '../helpers/stack.ts'
import { startStripe, type EmulatedStripe } from '../helpers/stripe-emulator.ts'

const PROJECT = 'https://abcdefghijklmnopqrst.supabase.co'
const HOOK = `${PROJECT}/functions/v1/stripe-webhook`
let emulated: EmulatedStripe
// The helper's client gives up after 1 s, which a loaded machine exceeds; nothing here tests timeouts.
let stripe: Stripe
beforeEach(async () => {
  emulated = await startStripe()
  stripe = emulatorClient(emulated.running.port, { key: 'sk_test_emulator', timeout: 30_000 })
})
afterEach(async () => {
  await emulated.close()
})

const setup = (catalog: Catalog, dryRun = false) => setupCatalog(stripe, catalog, { projectUrl: PROJECT, dryRun })
const byKey = async (key: string) => (await stripe.prices.list({ lookup_keys: [key], expand: ['data.product'] })).data[0]
const edit = (fn: (c: Catalog) => void) => {
  const c = structuredClone(loadCatalog())
  fn(c)
  return c
}

describe('npm run stripe:setup', () => {
  test('creates the catalogue, portal and webhook endpoint, and a second run changes nothing', async () => {
    const first = await setup(loadCatalog())
    expect(first.changes.filter((c) => c.startsWith('+ product'))).toHaveLength(3)
    expect(first.changes.filter((c) => c.startsWith('+ price'))).toHaveLength(4)
    expect((await byKey('team_seat_monthly')).metadata, 'a per-seat price says so in its metadata').toEqual({ per_seat: 'true', seat_proration: 'create_prorations' })
    expect((await byKey('starter_monthly')).metadata).toEqual({})
    const pro = await byKey('pro_monthly')
    expect(pro).toMatchObject({ unit_amount: 9900, currency: 'usd', nickname: 'Pro monthly', recurring: { interval: 'month' }, active: true })
    expect((pro.product as { metadata: Record<string, string> }).metadata).toMatchObject({ catalog_key: 'pro', 'limits.seats': '25', 'limits.projects': 'unlimited', trial_days: '0' })
    const [portal] = (await stripe.billingPortal.configurations.list({ is_default: true })).data
    expect(portal.features.subscription_cancel).toMatchObject({ enabled: true, mode: 'at_period_end' })
    expect(portal.features.subscription_update.products?.find((p) => p.product === (pro.product as { id: string }).id)?.prices.sort())
      .toEqual([pro.id, (await byKey('pro_yearly')).id].sort())
    const [hook] = (await stripe.webhookEndpoints.list()).data.filter((e) => e.url === HOOK)
    expect(hook).toMatchObject({ status: 'enabled', api_version: STRIPE_API_VERSION })
    expect([...hook.enabled_events].sort()).toEqual([...HANDLED_EVENT_TYPES].sort())

    const before = (await emulated.requests()).filter((r) => r.method === 'POST').length
    expect((await setup(loadCatalog())).changes).toEqual([])
    expect((await emulated.requests()).filter((r) => r.method === 'POST').length, 'the second run writes nothing').toBe(before)
  })

  test('a changed amount is a new price that takes the lookup_key; the old price is archived, not deleted', async () => {
    await setup(loadCatalog())
    const old = await byKey('pro_monthly')
    const dearer = edit((c) => (c.products[1].prices[0].unit_amount = 10900))
    const plan = await setup(dearer, true)
    expect(plan.changes).toEqual([expect.stringMatching(/^↻ price pro_monthly: 99.00 usd \/ month → 109.00 usd \/ month/), expect.stringMatching(/^~ billing portal configuration .*plan_change/)])
    expect((await byKey('pro_monthly')).id, 'a dry run changes nothing').toBe(old.id)
    await setup(dearer)
    const now = await byKey('pro_monthly')
    expect(now).toMatchObject({ unit_amount: 10900, active: true })
    expect(now.id).not.toBe(old.id)
    expect(await stripe.prices.retrieve(old.id)).toMatchObject({ active: false, lookup_key: null, unit_amount: 9900 })
    const [portal] = (await stripe.billingPortal.configurations.list({ is_default: true })).data
    expect(portal.features.subscription_update.products?.flatMap((p) => p.prices)).toContain(now.id)
    expect((await setup(dearer)).changes).toEqual([])
  })

  test('a changed seat proration updates the per-seat price\'s metadata, in place', async () => {
    await setup(loadCatalog())
    const before = await byKey('team_seat_monthly')
    const changed = edit((c) => (c.products.find((p) => p.key === 'team')!.prices[0].seat_proration = 'always_invoice'))
    const { changes } = await setup(changed)
    expect(changes[0]).toBe(`~ price team_seat_monthly (${before.id}): metadata.seat_proration`)
    expect(changes.filter((c) => c.startsWith('~ price') || c.startsWith('+') || c.startsWith('↻')), 'nothing else about prices').toHaveLength(1)
    const after = await byKey('team_seat_monthly')
    expect(after.id).toBe(before.id)
    expect(after.metadata).toEqual({ per_seat: 'true', seat_proration: 'always_invoice' })
  })

  test('a product or price removed from the catalogue is archived; changed limits update the metadata', async () => {
    await setup(loadCatalog())
    const starter = await byKey('starter_monthly')
    const yearly = await byKey('pro_yearly')
    const smaller = edit((c) => {
      c.products.shift()
      c.products[0].prices.pop()
      c.products[0].limits = { seats: '50' }
    })
    await setup(smaller)
    expect(await stripe.products.retrieve((starter.product as { id: string }).id)).toMatchObject({ active: false })
    expect(await stripe.prices.retrieve(starter.id)).toMatchObject({ active: false })
    expect(await stripe.prices.retrieve(yearly.id)).toMatchObject({ active: false, lookup_key: 'pro_yearly' })
    const pro = await stripe.products.retrieve((yearly.product as { id: string }).id)
    expect(pro.metadata['limits.seats']).toBe('50')
    expect(pro.metadata).not.toHaveProperty('limits.projects')
    expect((await setup(smaller)).changes).toEqual([])
  })

  test('products made by hand with the same name and lookup keys are adopted, not duplicated', async () => {
    const product = await stripe.products.create({ name: 'Starter' })
    await stripe.prices.create({ product: product.id, unit_amount: 2900, currency: 'usd', recurring: { interval: 'month' }, nickname: 'Starter monthly', lookup_key: 'starter_monthly' })
    const { changes } = await setup(loadCatalog())
    expect(changes).toContainEqual(expect.stringMatching(/^~ product starter .*metadata.catalog_key/))
    expect(changes.filter((c) => c.includes('starter_monthly'))).toEqual([])
    expect((await stripe.products.list({ active: true })).data.filter((p) => p.name === 'Starter')).toHaveLength(1)
  })

  test('a webhook endpoint short of handled types, or disabled, is brought back in line', async () => {
    const e = await stripe.webhookEndpoints.create({ url: HOOK, enabled_events: ['invoice.paid', 'account.updated'], api_version: STRIPE_API_VERSION })
    await stripe.webhookEndpoints.update(e.id, { disabled: true })
    const { changes } = await setup(loadCatalog())
    expect(changes).toContainEqual(expect.stringMatching(new RegExp(`^~ webhook endpoint ${e.id}: \\+${HANDLED_EVENT_TYPES.length - 1} event types, -account.updated, enable`)))
    const now = await stripe.webhookEndpoints.retrieve(e.id)
    expect(now.status).toBe('enabled')
    expect([...now.enabled_events].sort()).toEqual([...HANDLED_EVENT_TYPES].sort())
    expect((await stripe.webhookEndpoints.list()).data.filter((x) => x.url === HOOK)).toHaveLength(1)
  })

  test('a catalogue with a mistake is refused with the field named, before anything is read or written', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'catalog-'))
    try {
      const file = path.join(dir, 'catalog.json')
      writeFileSync(file, JSON.stringify(edit((c) => {
        c.products[1].prices[1].lookup_key = 'pro_monthly'
        c.products[0].prices[0].currency = 'USD'
      })))
      expect(() => loadCatalog(file)).toThrow(/products\.0\.prices\.0\.currency: .*; \(file\): lookup_key pro_monthly is used twice/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  test('the command prints the plan, and with --dry-run changes nothing', { timeout: 60_000 }, async () => {
    const run = (args: string[], env: Record<string, string | undefined> = {}) => new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/stripe-setup.ts'), ...args], {
        cwd: ROOT,
        env: { ...process.env, STRIPE_SECRET_KEY: 'sk_test_setup', STRIPE_API_BASE: emulated.running.url, PROJECT_URL: PROJECT, SUPABASE_DB_URL: stackProfile.dbUrl, ...env },
      })
      let out = ''
      child.stdout.on('data', (d) => (out += d))
      child.stderr.on('data', (d) => (out += d))
      child.on('close', (code) => resolve({ code, out }))
    })
    const unlimited = await run(['--dry-run'], { SUPABASE_DB_URL: undefined })
    expect([unlimited.code, unlimited.out], 'without the database its rate limiter is in, it refuses to start').toEqual([2, expect.stringContaining('SUPABASE_DB_URL')])
    expect(await emulated.requests()).toEqual([])
    const dry = await run(['--dry-run'])
    expect(dry.code).toBe(0)
    expect(dry.out).toContain('+ price pro_yearly: 990.00 usd / year')
    expect(dry.out).not.toContain('applied')
    expect((await stripe.prices.list()).data).toEqual([])
    const real = await run([])
    expect(real.out).toMatch(/applied \d+ changes/)
    expect(real.out).toContain('npx supabase secrets set STRIPE_WEBHOOK_SECRETS=whsec_')
    const again = await run(['--dry-run'])
    expect(again.out).toContain('nothing to do: the account matches the catalogue')
  })
})
