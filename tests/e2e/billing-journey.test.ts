// The customer's journey in a real browser (Debian's Chromium driven by playwright-core) against the
// stack: sign up, choose a plan, pay on the emulator's Checkout page, see the plan without reloading;
// a failed renewal shows the banner, paying through the portal clears it; cancel, download the data.
// Screenshots of each state go to test-results/screenshots/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdirSync } from 'node:fs'
import { chromium, type Browser, type Page } from 'playwright-core'
import { stripeFor } from '../../dev/stack/stripe.ts'
import { holdProductClock } from '../helpers/product-clock.ts'
import { adminSql, stackProfile, uniq } from '../helpers/stack.ts'

const APP = `http://127.0.0.1:${stackProfile.ports.web}`
const EMULATOR = `http://127.0.0.1:${stackProfile.ports.stripe}`
const SHOTS = 'test-results/screenshots'
const sql = adminSql()
let browser: Browser

// A cancelled organization's data is deleted 30 days on: files that run due work 30 days ahead hold
// this lock, so they never run while this one cancels and downloads an export.
let releaseClock: () => Promise<void>
beforeAll(async () => {
  releaseClock = await holdProductClock()
  mkdirSync(SHOTS, { recursive: true })
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-dev-shm-usage'] })
})
afterAll(async () => {
  await releaseClock?.()
  await browser?.close()
  await sql.end()
})

async function signUpWithOrganization(page: Page, orgName: string): Promise<string> {
  await page.goto(APP)
  await page.getByLabel('Email').fill(`${uniq('journey')}@example.test`)
  await page.getByLabel('Password').fill('correct horse battery staple')
  await page.getByRole('button', { name: 'Sign up' }).click()
  await page.getByLabel('Organization name').fill(orgName)
  await page.getByRole('button', { name: 'Create organization' }).click()
  await page.waitForURL(/\/billing\/[0-9a-f-]{36}/)
  return /\/billing\/([0-9a-f-]{36})/.exec(page.url())![1]
}

const shot = (page: Page, name: string) => page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true })

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
    const orgId = await signUpWithOrganization(page, orgName)
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
    const advanced = await fetch(`${EMULATOR}/_emulator/clock/advance`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ seconds: 31 * 86_400 + 7200 }) })
    expect(advanced.status).toBe(200)
    await page.goto(`${APP}/billing/${orgId}`)
    const banner = page.getByTestId('payment-failed-banner')
    await expect.poll(async () => (await banner.isVisible()) && (await banner.textContent()), { timeout: 20_000 }).toContain('$29.00')
    await shot(page, '4-payment-failed')

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

    // Cancel now in the portal; back in the app, the data export.
    await page.getByRole('button', { name: 'Manage billing' }).click()
    await page.waitForURL(`${EMULATOR}/portal/**`)
    await page.getByRole('button', { name: 'Cancel now' }).click()
    await page.getByText('Your subscription has been cancelled.').waitFor()
    await page.getByRole('link', { name: 'Return to the app' }).click()
    await expect.poll(() => page.getByTestId('status-badge').textContent(), { timeout: 20_000 }).toBe('Cancelled')
    await page.getByRole('button', { name: 'Download my data' }).click()
    const link = page.getByTestId('export-link')
    await link.waitFor()
    await shot(page, '6-cancelled-export')
    const exported = await (await page.request.get((await link.getAttribute('href'))!)).text()
    expect(exported).toContain(orgId)
    expect(exported).toContain(orgName)

    // A second user sees nothing of it, and the export holds nothing of theirs.
    const other = await browser.newContext()
    const otherPage = await other.newPage()
    const otherOrgName = uniq('Other Co')
    await signUpWithOrganization(otherPage, otherOrgName)
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
  }, 180_000)

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
