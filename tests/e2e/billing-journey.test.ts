// The customer's journey in a real browser (Debian's Chromium driven by playwright-core) against the
// stack: sign up, choose a plan, pay on the emulator's Checkout page, see the plan without reloading;
// a failed renewal shows the banner (and, 3 days on, the reminder), paying through the portal clears it;
// cancel, download the data. Every link in every email the journey produced is then followed: each must
// open a real page of the app (not "Page not found") or answer 2xx. The product's clock follows the
// emulator's, so the dates in the emails agree with Stripe's. Screenshots of each state go to
// test-results/screenshots/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { stripeFor } from '../../dev/stack/stripe.ts'
import { APP, launchChromium, shot } from '../helpers/browser.ts'
import { EMULATOR, mailWithSubject, signUpWithOrganization } from '../helpers/browser-journey.ts'
import { mailsTo, type Mail } from '../helpers/mail.ts'
import { holdProductClock, PRODUCT_CLOCK_HOOK_TIMEOUT_MS } from '../helpers/product-clock.ts'
import { adminSql, stackProfile, uniq } from '../helpers/stack.ts'

const sql = adminSql()
let browser: Browser

// A cancelled organization's data is deleted 30 days on: files that run due work 30 days ahead hold
// this lock, so they never run while this one cancels and downloads an export.
let releaseClock: () => Promise<void>
beforeAll(async () => {
  releaseClock = await holdProductClock()
  browser = await launchChromium()
}, PRODUCT_CLOCK_HOOK_TIMEOUT_MS)
afterAll(async () => {
  // The emulator's own clock, which the product's follows, back to wall time for the files after this one.
  await fetch(`${EMULATOR}/_emulator/clock/reset`, { method: 'POST' }).catch(() => undefined)
  await releaseClock?.()
  await browser?.close()
  await sql.end()
})

const advanceEmulator = async (seconds: number) => {
  const res = await fetch(`${EMULATOR}/_emulator/clock/advance`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ seconds }) })
  expect(res.status).toBe(200)
}

/** Every link of an email's HTML. */
const linksOf = (m: Mail) => [...m.html.matchAll(/href="([^"]+)"/g)].map((x) => x[1].replace(/&amp;/g, '&'))

/** Follows a link as the signed-in user: an app page must be a real page, anything else must answer 2xx. */
async function follow(page: Page, url: string): Promise<void> {
  if (url.startsWith(APP)) {
    await page.goto(url)
    const heading = page.locator('main h1, main h2').first()
    await heading.waitFor({ timeout: 20_000 })
    expect(await heading.textContent(), url).not.toMatch(/not found/i)
    expect(await page.getByText(/Page not found/i).count(), url).toBe(0)
    return
  }
  const res = await page.request.get(url)
  expect(res.status(), url).toBeGreaterThanOrEqual(200)
  expect(res.status(), url).toBeLessThan(300)
  expect(await res.text(), url).not.toMatch(/page not found/i)
}

describe('the billing page in a browser', () => {
  it('takes a customer from sign-up through payment, a failed renewal, recovery, cancellation and export', async () => {
    const stripe = stripeFor(stackProfile)
    const planName = uniq('Journey').replace(/_/g, ' ')
    const product = await stripe.products.create({ name: planName, metadata: { 'limits.seats': '10' } })
    const price = await stripe.prices.create({ product: product.id, unit_amount: 2900, currency: 'usd', recurring: { interval: 'month' }, nickname: 'Monthly' })
    for (let i = 0; (await sql`select 1 from public.stripe_prices where id = ${price.id}`).length === 0; i++) {
      if (i > 100) throw new Error('the plan never reached the mirror')
      await new Promise((r) => setTimeout(r, 100))
    }

    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } })
    const page = await context.newPage()
    const orgName = uniq('Journey Co')
    const email = `${uniq('journey')}@example.test`
    const orgId = await signUpWithOrganization(page, email, orgName)
    const choose = page.getByRole('button', { name: `Choose ${planName}` })
    await expect.poll(() => choose.isVisible(), { timeout: 15_000 }).toBe(true)
    await shot(page, '1-no-plan')

    // Checkout on the emulator's hosted page, then back: the plan shows without a reload.
    await choose.click()
    await page.waitForURL(`${EMULATOR}/checkout/**`)
    await shot(page, '2-checkout')
    await page.getByRole('button', { name: 'Pay and subscribe' }).click()
    await page.waitForURL(`${APP}/billing/${orgId}**`)
    await expect.poll(() => page.getByTestId('plan-name').textContent(), { timeout: 20_000 }).toContain(planName)
    await expect.poll(() => page.getByTestId('status-badge').textContent(), { timeout: 20_000 }).toBe('Active')
    await shot(page, '3-active')

    // The card starts failing; a month passes; the renewal fails and the banner shows the amount.
    await page.getByRole('button', { name: 'Manage billing' }).click()
    await page.waitForURL(`${EMULATOR}/portal/**`)
    await page.getByLabel(/0341/).check()
    await page.getByRole('button', { name: 'Update payment method' }).click()
    await page.getByText('Your payment method has been updated.').waitFor()
    await advanceEmulator(31 * 86_400 + 7200)
    // The advance renews every subscription on the emulator's own clock, other files' too, and this one's
    // events come after theirs (11 s after 60 others were seen); the page polls only while the product
    // knows of a pending sync, so it is opened once the product has recorded the failed renewal.
    await expect.poll(async () => (await sql`select billing_status from public.organizations where id = ${orgId}`)[0]?.billing_status, { timeout: 90_000, interval: 500 }).toBe('payment_failed')
    await page.goto(`${APP}/billing/${orgId}`)
    const banner = page.getByTestId('payment-failed-banner')
    await expect.poll(async () => (await banner.isVisible()) && (await banner.textContent()), { timeout: 20_000 }).toContain('$29.00')
    await shot(page, '4-payment-failed')
    // Three days on (Stripe retries and fails again), the reminder goes, as of the emulator's clock.
    await mailWithSubject(email, /failed/)
    await advanceEmulator(3 * 86_400 + 3600)
    await mailWithSubject(email, 'Reminder: your invoice is still unpaid')

    // Paying through the portal with a working card clears the banner on return, without a reload.
    await banner.getByRole('button', { name: 'Update payment method' }).click()
    await page.waitForURL(`${EMULATOR}/portal/**`)
    await page.getByLabel(/4242/).check()
    await page.getByRole('button', { name: 'Update payment method' }).click()
    await page.getByText('Your payment method has been updated.').waitFor()
    await page.getByRole('button', { name: /^Pay / }).click()
    await page.getByText(/is paid/).waitFor()
    await page.getByRole('link', { name: 'Return to the app' }).click()
    await page.waitForURL(`${APP}/billing/${orgId}**`)
    await expect.poll(() => banner.isVisible(), { timeout: 20_000 }).toBe(false)
    await expect.poll(() => page.getByTestId('status-badge').textContent(), { timeout: 20_000 }).toBe('Active')
    await shot(page, '5-recovered')

    // Cancel at the period's end (the product confirms it by email, with the end date), resume, then
    // cancel now in the portal; back in the app, the data export.
    await page.getByRole('button', { name: 'Manage billing' }).click()
    await page.waitForURL(`${EMULATOR}/portal/**`)
    await page.getByRole('button', { name: 'Cancel subscription' }).click()
    await page.getByText('Your subscription will end at the close of the current period.').waitFor()
    await mailWithSubject(email, /^Your subscription ends on /)
    await page.getByRole('button', { name: 'Resume subscription' }).click()
    await page.getByText('Your subscription will continue.').waitFor()
    await page.getByRole('button', { name: 'Cancel now' }).click()
    await page.getByText('Your subscription has been cancelled.').waitFor()
    await page.getByRole('link', { name: 'Return to the app' }).click()
    await expect.poll(() => page.getByTestId('status-badge').textContent(), { timeout: 20_000 }).toBe('Cancelled')
    // When the data goes, as the scheduled deletion has it (the page polls until the workflow has run).
    await expect.poll(async () => (await page.reload(), await page.getByTestId('deletion-date').textContent({ timeout: 5_000 }).catch(() => '')), { timeout: 30_000 }).toMatch(/\d{4}/)
    await page.getByRole('button', { name: 'Download my data' }).click()
    const link = page.getByTestId('export-link')
    await link.waitFor()
    await shot(page, '6-cancelled-export')
    const exported = await (await page.request.get((await link.getAttribute('href'))!)).text()
    expect(exported).toContain(orgId)
    expect(exported).toContain(orgName)

    // The cancellation email's dates agree with Stripe's end of the subscription, a month on.
    await mailWithSubject(email, 'Your subscription has ended')
    const [ended] = await sql`select s.ended_at, e.props from public.stripe_subscriptions s
      join billing.email_outbox e on e.idempotency_key = 'subscription_cancelled:' || s.id where s.organization_id = ${orgId}`
    expect(Date.parse(ended.props.deletionAt)).toBeGreaterThan(ended.ended_at.getTime())
    expect(Date.parse(ended.props.exportExpiresAt)).toBeGreaterThan(ended.ended_at.getTime())

    // Every link of every email of the journey leads somewhere real.
    const mails = await mailsTo(email, { atLeast: 7 })
    const links = [...new Set(mails.flatMap(linksOf))]
    for (const url of links) await follow(page, url)
    expect(links.filter((l) => l.startsWith(`${APP}/`))).toEqual([`${APP}/billing/${orgId}`])
    expect(links.some((l) => l.includes('/export-download?'))).toBe(true)
    expect(links.filter((l) => l.startsWith(`${EMULATOR}/invoice/`)).length).toBeGreaterThanOrEqual(2)

    // A second user sees nothing of it, and the export holds nothing of theirs.
    const other = await browser.newContext()
    const otherPage = await other.newPage()
    const otherOrgName = uniq('Other Co')
    await signUpWithOrganization(otherPage, `${uniq('journey')}@example.test`, otherOrgName)
    await otherPage.goto(`${APP}/billing/${orgId}`)
    await otherPage.getByText(/not found|not a member/i).first().waitFor()
    expect(await otherPage.content()).not.toContain(orgName)
    await shot(otherPage, '7-other-user')
    expect(exported).not.toContain(otherOrgName)

    // Readable on a phone.
    await page.setViewportSize({ width: 375, height: 800 })
    await page.goto(`${APP}/billing/${orgId}`)
    await page.getByTestId('status-badge').waitFor()
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
    expect(overflow).toBeLessThanOrEqual(0)
    await shot(page, '8-phone')
    await other.close()
    await context.close()
  }, 300_000)

  it('can be used with the keyboard alone (sign up, create an organization, reach a plan with a visible focus ring), then signs out and back in', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    await page.goto(APP)
    const focused = () => page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null
      return el ? `${el.tagName.toLowerCase()}#${el.id}:${(el.textContent ?? '').trim()}` : ''
    })
    /** Tabs until the focused element matches, failing after 15 presses. */
    async function tabTo(match: RegExp) {
      for (let i = 0; i < 15; i++) {
        await page.keyboard.press('Tab')
        if (match.test(await focused())) return
      }
      throw new Error(`could not reach ${match} with Tab (last: ${await focused()})`)
    }
    const email = `${uniq('keys')}@example.test`
    await tabTo(/^input#email/)
    await page.keyboard.type(email)
    await tabTo(/^input#password/)
    await page.keyboard.type('correct horse battery staple')
    await tabTo(/^button#?.*:Sign up$/)
    await page.keyboard.press('Enter')
    await page.getByLabel('Organization name').waitFor()
    await tabTo(/^input#org-name/)
    await page.keyboard.type('Keyboard Co')
    await page.keyboard.press('Enter')
    await page.waitForURL(/\/billing\/[0-9a-f-]{36}/)
    await page.getByRole('button', { name: /^Choose / }).first().waitFor()
    await tabTo(/^button#?.*:Choose /)
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement as Element).outlineStyle)
    expect(outline).not.toBe('none')
    await shot(page, '9-keyboard-focus')
    const billingUrl = page.url()

    // Sign out, and back in: the single organization opens at once.
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByLabel('Email').fill(email)
    await page.getByLabel('Password').fill('correct horse battery staple')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.waitForURL(billingUrl)
    await page.getByRole('heading', { name: 'Keyboard Co' }).waitFor()
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByLabel('Password').fill('wrong password entirely')
    await page.getByLabel('Email').fill(email)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('alert').first().waitFor()
    expect(page.url()).not.toContain('/billing/')
    await context.close()
  }, 60_000)
})
