// Shared steps of the browser journeys (tests/e2e): Debian's Chromium driven by playwright-core, a user
// who signs up and creates an organization, a plan made in the emulator, a subscription paid on the
// emulator's Checkout page, and mail awaited in maildev. Screenshots go to test-results/screenshots/.
import type { Browser, Page } from 'playwright-core'
import type postgres from 'postgres'
import type Stripe from 'stripe'
import { afterAll, expect } from 'vitest'
import { mailsTo, type Mail } from './mail.ts'
import { holdProductClockForFile } from './product-clock.ts'
import { APP, launchChromium } from './browser.ts'
import { adminSql, stackProfile, uniq } from './stack.ts'

export { shot } from './browser.ts'
export const EMULATOR = `http://127.0.0.1:${stackProfile.ports.stripe}`

/**
 * The file's hooks: a browser and a database connection, and the product clock's lock, which files that
 * move the emulator's clock hold, so the dates a journey checks (renewal, period end) stay put.
 */
export function browserJourney(): { browser: Browser; sql: postgres.Sql } {
  const state = { sql: adminSql() } as { browser: Browser; sql: postgres.Sql }
  holdProductClockForFile(async () => {
    state.browser = await launchChromium()
  }, 60_000)
  afterAll(async () => {
    await state.browser?.close()
    await state.sql.end()
  })
  return state
}

/** A monthly plan made in Stripe, once the sync has mirrored it (the page lists mirrored plans only). */
async function monthlyPlan(stripe: Stripe, sql: postgres.Sql, name: string, unitAmount: number): Promise<Stripe.Price> {
  const product = await stripe.products.create({ name, metadata: { 'limits.seats': '10' } })
  const price = await stripe.prices.create({ product: product.id, unit_amount: unitAmount, currency: 'usd', recurring: { interval: 'month' }, nickname: 'Monthly' })
  const end = Date.now() + 60_000
  while ((await sql`select 1 from public.stripe_prices where id = ${price.id}`).length === 0) {
    if (Date.now() > end) throw new Error(`the plan ${name} never reached the mirror`)
    await new Promise((r) => setTimeout(r, 200))
  }
  return price
}

/** Signs up a new user who creates an organization; answers its id (the page is its billing page). */
export async function signUpWithOrganization(page: Page, email: string, orgName: string): Promise<string> {
  await page.goto(APP)
  await page.getByLabel('Email').fill(email)
  await page.getByLabel('Password').fill('correct horse battery staple')
  await page.getByRole('button', { name: 'Sign up' }).click()
  await page.getByLabel('Organization name').fill(orgName)
  await page.getByRole('button', { name: 'Create organization' }).click()
  await page.waitForURL(/\/billing\/[0-9a-f-]{36}/)
  return /\/billing\/([0-9a-f-]{36})/.exec(page.url())![1]
}

/** Chooses the plan, pays on the emulator's Checkout page with the good card, and waits for "Active". */
export async function subscribe(page: Page, orgId: string, planName: string): Promise<void> {
  const choose = page.getByRole('button', { name: `Choose ${planName}` })
  await expect.poll(() => choose.isVisible(), { timeout: 30_000 }).toBe(true)
  await choose.click()
  await page.waitForURL(`${EMULATOR}/checkout/**`)
  await page.getByRole('button', { name: 'Pay and subscribe' }).click()
  await page.waitForURL(`${APP}/billing/${orgId}**`)
  await expect.poll(() => page.getByTestId('status-badge').textContent(), { timeout: 60_000 }).toBe('Active')
}

/** A new user with a paid subscription to a new plan: the page, the organization and the address. */
export async function subscribedCustomer(browser: Browser, stripe: Stripe, sql: postgres.Sql, what: string, unitAmount: number) {
  const planName = uniq(what).replace(/_/g, ' ')
  await monthlyPlan(stripe, sql, planName, unitAmount)
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } })
  const page = await context.newPage()
  const email = `${uniq(what.toLowerCase())}@example.test`
  const orgId = await signUpWithOrganization(page, email, uniq(`${what} Co`))
  await subscribe(page, orgId, planName)
  const [org] = await sql<{ stripe_customer_id: string }[]>`select stripe_customer_id from public.organizations where id = ${orgId}`
  return { context, page, email, orgId, customerId: org.stripe_customer_id, planName }
}

/** Waits until a mail with this subject reached the address (the sync and the outbox run on their own). */
export async function mailWithSubject(email: string, subject: string | RegExp): Promise<Mail> {
  const matches = (m: Mail) => (typeof subject === 'string' ? m.subject === subject : subject.test(m.subject))
  const deadline = Date.now() + 150_000
  for (;;) {
    const found = (await mailsTo(email, { atLeast: 1, timeoutMs: 1000 })).find(matches)
    if (found) return found
    if (Date.now() > deadline) throw new Error(`no mail "${subject}" reached ${email}`)
    await new Promise((r) => setTimeout(r, 1000))
  }
}
