// In a real browser against the stack: a trial started without a card (the plan's catalogue metadata
// allows it), the billing page saying the days left, "No" card and that the subscription will be paused,
// then a card added through the portal; a trial that ended without one, paused and resumed once a card
// is on file; and a promotion code on the emulator's Checkout page, refused when unknown and then
// accepted, the billing page showing the discount. Screenshots go to test-results/screenshots/.
import { afterEach, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { stripeFor } from '../../dev/stack/stripe.ts'
import { browserJourney, EMULATOR, shot, signUpWithOrganization } from '../helpers/browser-journey.ts'
import { mailsTo } from '../helpers/mail.ts'
import { stackProfile, uniq } from '../helpers/stack.ts'

const APP = `http://127.0.0.1:${stackProfile.ports.web}`
const stripe = stripeFor(stackProfile)
// Days left are counted on the emulator's clock, which files that move it share: the journey holds it.
const journey = browserJourney()
afterEach(async () => {
  // The emulator's clock (moved by the paused-trial story) back to wall time for the next test, in any
  // order (a shuffled run started the trial 3 days on and saw 17 days left), and past the functions
  // host's one-second cache of it; the lock's release does the same for the files after this one.
  await fetch(`${EMULATOR}/_emulator/clock/reset`, { method: 'POST' }).catch(() => undefined)
  await new Promise((r) => setTimeout(r, 1_500))
})

/** A plan of its own, once the mirror has it (so the page lists it). */
async function plan(name: string, metadata: Record<string, string>): Promise<void> {
  const product = await stripe.products.create({ name, metadata })
  const price = await stripe.prices.create({ product: product.id, unit_amount: 2000, currency: 'usd', recurring: { interval: 'month' }, nickname: 'Monthly' })
  for (let i = 0; (await journey.sql`select 1 from public.stripe_prices where id = ${price.id}`).length === 0; i++) {
    if (i > 200) throw new Error('the plan never reached the mirror')
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** Signs up (as `email`), creates an organization and opens Checkout for `planName`; the organization's id. */
async function toCheckout(page: Page, planName: string, email = `${uniq('trialpromo')}@example.test`): Promise<string> {
  const orgId = await signUpWithOrganization(page, email, uniq('Trial Promo Co'))
  const choose = page.getByRole('button', { name: `Choose ${planName}` })
  await expect.poll(() => choose.isVisible(), { timeout: 20_000 }).toBe(true)
  await choose.click()
  await page.waitForURL(`${EMULATOR}/checkout/**`)
  return orgId
}

describe('trials and promotion codes in a browser', () => {
  it('starts a trial without a card, shows what happens at its end, and takes a card through the portal', { timeout: 180_000 }, async () => {
    const planName = uniq('Trial plan').replace(/_/g, ' ')
    await plan(planName, { trial_days: '14', trial_without_card: 'true', trial_end_behavior: 'pause' })
    const page = await (await journey.browser.newContext({ viewport: { width: 1200, height: 900 } })).newPage()
    const orgId = await toCheckout(page, planName)
    await page.getByLabel(/No card now/).check()
    await shot(page, 'trial-1-checkout-without-card')
    await page.getByRole('button', { name: 'Start trial' }).click()
    await page.waitForURL(`${APP}/billing/${orgId}**`)

    const trial = page.getByTestId('trial-status')
    await expect.poll(() => trial.isVisible(), { timeout: 30_000 }).toBe(true)
    expect(await page.getByTestId('trial-days-left').textContent()).toMatch(/^1[34] days left$/)
    expect(await page.getByTestId('trial-card').textContent()).toBe('No')
    expect(await page.getByTestId('trial-end-behavior').textContent()).toContain('your subscription will be paused')
    await shot(page, 'trial-2-no-card')

    await trial.getByRole('button', { name: 'Add a card' }).click()
    await page.waitForURL(`${EMULATOR}/portal/**`)
    await page.getByLabel(/4242/).check()
    await page.getByRole('button', { name: 'Update payment method' }).click()
    await page.getByText('Your payment method has been updated.').waitFor()
    await page.goto(`${APP}/billing/${orgId}`)
    await expect.poll(() => page.getByTestId('trial-card').textContent(), { timeout: 30_000 }).toBe('Yes')
    expect(await page.getByTestId('trial-end-behavior').textContent()).toContain('your card is charged')
    await shot(page, 'trial-3-card-added')
  })

  it('a trial that ends without a card pauses (the email said so); with a card added it resumes from the page', { timeout: 240_000 }, async () => {
    const planName = uniq('Short trial').replace(/_/g, ' ')
    await plan(planName, { trial_days: '2', trial_without_card: 'true', trial_end_behavior: 'pause' })
    const page = await (await journey.browser.newContext({ viewport: { width: 1200, height: 900 } })).newPage()
    const email = `${uniq('pausedtrial')}@example.test`
    const orgId = await toCheckout(page, planName, email)
    await page.getByLabel(/No card now/).check()
    await page.getByRole('button', { name: 'Start trial' }).click()
    await page.waitForURL(`${APP}/billing/${orgId}**`)
    await expect.poll(() => page.getByTestId('trial-status').isVisible(), { timeout: 30_000 }).toBe(true)

    // A trial of under three days is reminded at once (Stripe's trial_will_end), saying what the end does.
    let reminder: string | undefined
    await expect.poll(async () => (reminder = (await mailsTo(email, { timeoutMs: 1000 })).find((m) => m.subject === 'Your trial ends soon')?.text), { timeout: 120_000 }).toBeTruthy()
    expect(reminder).toContain('your subscription will be paused when the trial ends')

    const res = await fetch(`${EMULATOR}/_emulator/clock/advance`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ seconds: 3 * 86_400 }) })
    expect(res.status).toBe(200)
    // Opened once the product has recorded the pause: the advance runs other files' due work on the
    // emulator's own clock too, whose events can come first, and the page polls only while a sync is pending.
    await expect.poll(async () => (await journey.sql`select billing_status from public.organizations where id = ${orgId}`)[0]?.billing_status, { timeout: 90_000, interval: 500 }).toBe('paused')
    await page.goto(`${APP}/billing/${orgId}`)
    await expect.poll(() => page.getByTestId('trial-ended-banner').isVisible(), { timeout: 60_000 }).toBe(true)
    expect(await page.getByTestId('trial-ended-banner').textContent()).toContain('Your trial has ended — add a payment method to continue')
    expect(await page.getByTestId('trial-status').count()).toBe(0)
    await shot(page, 'trial-4-paused')

    // A card through the portal, then "Resume subscription": Stripe starts a paid period now.
    await page.getByTestId('trial-ended-banner').getByRole('button', { name: 'Add payment method' }).click()
    await page.waitForURL(`${EMULATOR}/portal/**`)
    await page.getByLabel(/4242/).check()
    await page.getByRole('button', { name: 'Update payment method' }).click()
    await page.getByText('Your payment method has been updated.').waitFor()
    await page.goto(`${APP}/billing/${orgId}`)
    const resume = page.getByTestId('trial-ended-banner').getByRole('button', { name: 'Resume subscription' })
    await expect.poll(() => resume.isVisible(), { timeout: 30_000 }).toBe(true)
    await resume.click()
    await expect.poll(() => page.getByTestId('status-badge').textContent(), { timeout: 30_000 }).toBe('Active')
    expect(await page.getByTestId('trial-ended-banner').count()).toBe(0)
    await shot(page, 'trial-5-resumed')
  })

  it('refuses an unknown promotion code on Checkout, accepts a good one, and shows the discount', { timeout: 180_000 }, async () => {
    const planName = uniq('Promo plan').replace(/_/g, ' ')
    await plan(planName, {})
    const coupon = await stripe.coupons.create({ percent_off: 25, duration: 'repeating', duration_in_months: 3, name: 'Quarter off' })
    const code = uniq('SAVE').replace(/[^A-Za-z0-9]/g, '').toUpperCase()
    await stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: coupon.id }, code })
    const page = await (await journey.browser.newContext({ viewport: { width: 1200, height: 900 } })).newPage()
    const orgId = await toCheckout(page, planName)

    await page.getByLabel('Promotion code').fill('NOSUCHCODE')
    await page.getByRole('button', { name: 'Pay and subscribe' }).click()
    await page.getByRole('alert').filter({ hasText: 'This code is invalid.' }).waitFor()
    await shot(page, 'promo-1-unknown-code')

    await page.getByLabel('Promotion code').fill(code)
    await page.getByRole('button', { name: 'Pay and subscribe' }).click()
    await page.waitForURL(`${APP}/billing/${orgId}**`)
    const discount = page.getByTestId('discount')
    await expect.poll(() => discount.isVisible(), { timeout: 30_000 }).toBe(true)
    expect(await discount.textContent()).toMatch(new RegExp(`Quarter off \\(code ${code}\\): 25% off on invoices until `))
    await shot(page, 'promo-2-discount-shown')
  })
})
