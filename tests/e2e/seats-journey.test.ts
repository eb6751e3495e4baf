// Seats in a real browser (Debian's Chromium driven by playwright-core) against the stack and its Stripe
// emulator: an admin subscribes to a per-seat plan of 2 seats on the emulator's Checkout page, invites a
// colleague (the email reaches maildev), the colleague signs up from the link and joins; the billing page
// says "2 of 2 seats" and Stripe's quantity follows to 2; a further invitation is refused with the limit
// and the upgrade path; an upgrade in the emulator's portal to a plan of 5 seats lets the same invitation
// through, and Stripe's quantity follows to 3. Then a downgrade below usage in the portal: everyone stays,
// both pages name the overage and the ways out, an invitation is refused; revoking one brings it back.
// Screenshots go to test-results/screenshots/seats-*.
import type { Page } from 'playwright-core'
import type Stripe from 'stripe'
import { describe, expect, it } from 'vitest'
import { stripeFor } from '../../dev/stack/stripe.ts'
import { browserJourney, EMULATOR, mailWithSubject, shot, signUpWithOrganization, subscribe } from '../helpers/browser-journey.ts'
import { stackProfile, uniq } from '../helpers/stack.ts'

const APP = `http://127.0.0.1:${stackProfile.ports.web}`
const stripe = stripeFor(stackProfile)
const journey = browserJourney()

/** A per-seat plan in the emulator, waited for in the mirror (the product sync writes it). */
async function perSeatPlan(name: string, seats: number, unitAmount: number): Promise<Stripe.Price> {
  const product = await stripe.products.create({ name, metadata: { 'limits.seats': String(seats), 'limits.projects': '3' } })
  const price = await stripe.prices.create({ product: product.id, unit_amount: unitAmount, currency: 'usd', recurring: { interval: 'month' },
    nickname: `${name} per seat`, metadata: { per_seat: 'true', seat_proration: 'create_prorations' } })
  await expect.poll(async () => (await journey.sql`select 1 from public.stripe_prices where id = ${price.id} and metadata ->> 'per_seat' = 'true'`).length,
    { timeout: 30_000 }).toBe(1)
  return price
}

async function signUp(page: Page, email: string) {
  await page.getByLabel('Email').fill(email)
  await page.getByLabel('Password').fill('correct horse battery staple')
  await page.getByRole('button', { name: 'Sign up' }).click()
}

async function invite(page: Page, email: string) {
  await page.getByLabel('Email').fill(email)
  await page.getByRole('button', { name: 'Send invitation' }).click()
}

/** The subscription's quantity in Stripe (the emulator), polled by the caller. */
async function stripeQuantity(orgId: string): Promise<number | null> {
  const [org] = await journey.sql`select stripe_subscription_id from public.organizations where id = ${orgId}`
  if (!org?.stripe_subscription_id) return null
  return (await stripe.subscriptions.retrieve(org.stripe_subscription_id)).items.data[0].quantity ?? null
}

const seatsLine = (page: Page) => page.getByTestId('usage-seats').textContent({ timeout: 5_000 }).catch(() => '')

describe('seats in a browser', () => {
  it('invite → email → a new user joins → seats and Stripe quantity follow → limit reached → upgrade in the portal → invite succeeds', { timeout: 400_000 }, async () => {
    const small = uniq('Seats Small').replace(/_/g, ' ')
    const big = uniq('Seats Big').replace(/_/g, ' ')
    await perSeatPlan(small, 2, 1200)
    await perSeatPlan(big, 5, 1500)

    // The admin signs up, creates the organization and subscribes to the 2-seat plan on Checkout.
    const admin = await (await journey.browser.newContext({ viewport: { width: 1200, height: 900 } })).newPage()
    const orgName = uniq('Seats Co')
    const orgId = await signUpWithOrganization(admin, `${uniq('seats-admin')}@example.test`, orgName)
    await subscribe(admin, orgId, small)
    await expect.poll(() => seatsLine(admin), { timeout: 20_000 }).toBe('1 of 2 seats')
    await shot(admin, 'seats-1-subscribed')

    // The invitation takes the second seat at once; Stripe's quantity follows through the sync worker.
    await admin.getByRole('link', { name: 'Manage members and invitations' }).click()
    await admin.waitForURL(`${APP}/members/${orgId}`)
    const colleague = `${uniq('seats-new')}@example.test`
    await invite(admin, colleague)
    await expect.poll(() => admin.getByRole('status').textContent()).toBe(`Invitation sent to ${colleague}.`)
    await shot(admin, 'seats-2-invited')
    await expect.poll(() => stripeQuantity(orgId), { timeout: 60_000 }).toBe(2)

    // The email reaches maildev; the colleague opens its link signed out, signs up and joins.
    const mail = await mailWithSubject(colleague, `You are invited to join ${orgName}`)
    const link = [...mail.html.matchAll(/href="([^"]+)"/g)].map((x) => x[1].replace(/&amp;/g, '&')).find((l) => l.includes('/invite/'))!
    const guestContext = await journey.browser.newContext()
    const guest = await guestContext.newPage()
    await guest.goto(link)
    await guest.getByTestId('sign-in-notice').waitFor({ timeout: 20_000 })
    await signUp(guest, colleague)
    await guest.waitForURL(`${APP}/billing/${orgId}`, { timeout: 30_000 })
    await expect.poll(() => guest.getByTestId('members').textContent()).toContain(colleague)
    await shot(guest, 'seats-3-joined')

    // The admin's billing page: 2 of 2 seats, and the subscription billed for 2 (the mirror shows Stripe's).
    await admin.goto(`${APP}/billing/${orgId}`)
    await expect.poll(() => seatsLine(admin), { timeout: 20_000 }).toBe('2 of 2 seats')
    await expect.poll(async () => (await admin.reload(), await admin.getByTestId('plan-price').textContent({ timeout: 5_000 }).catch(() => '')),
      { timeout: 60_000 }).toContain('× 2')
    expect(await stripeQuantity(orgId)).toBe(2)
    await shot(admin, 'seats-4-two-of-two')

    // The limit: a third seat is refused with the limit and the upgrade path, and nothing is written.
    await admin.goto(`${APP}/members/${orgId}`)
    const third = `${uniq('seats-third')}@example.test`
    await invite(admin, third)
    const refusal = admin.getByRole('alert')
    await expect.poll(() => refusal.textContent(), { timeout: 20_000 }).toContain('includes 2 seats and all 2 are taken')
    expect(await refusal.textContent()).toContain('upgrade the plan on the Billing page')
    expect(await admin.getByTestId('members-seats').textContent()).toBe('2 of 2 seats in use, counting pending invitations')
    await shot(admin, 'seats-5-limit-reached')
    expect(await journey.sql`select 1 from public.organization_invitations where email = ${third}`).toHaveLength(0)

    // The upgrade, in the emulator's portal: the 5-seat plan.
    await admin.goto(`${APP}/billing/${orgId}`)
    await admin.getByRole('button', { name: 'Manage billing' }).click()
    await admin.waitForURL(`${EMULATOR}/portal/**`)
    await admin.getByLabel(new RegExp(big)).check()
    await shot(admin, 'seats-6-portal')
    await admin.getByRole('button', { name: 'Change plan' }).click()
    await admin.getByText('Your plan has been changed.').waitFor()
    await admin.getByRole('link', { name: 'Return to the app' }).click()
    await admin.waitForURL(`${APP}/billing/${orgId}**`)
    await expect.poll(async () => (await admin.reload(), await seatsLine(admin)), { timeout: 60_000 }).toBe('2 of 5 seats')
    await shot(admin, 'seats-7-upgraded')

    // The same invitation now goes through, and Stripe bills 3 seats.
    await admin.goto(`${APP}/members/${orgId}`)
    await invite(admin, third)
    await expect.poll(() => admin.getByRole('status').textContent({ timeout: 5_000 }).catch(() => ''), { timeout: 20_000 }).toBe(`Invitation sent to ${third}.`)
    await admin.getByTestId('invitation').filter({ hasText: third }).waitFor()
    await shot(admin, 'seats-8-invited-after-upgrade')
    await expect.poll(() => stripeQuantity(orgId), { timeout: 60_000 }).toBe(3)
    await admin.goto(`${APP}/billing/${orgId}`)
    await expect.poll(() => seatsLine(admin), { timeout: 20_000 }).toBe('3 of 5 seats')
    await shot(admin, 'seats-9-three-of-five')

    // A downgrade below usage, in the portal: back to the 2-seat plan with 3 seats in use. Everyone stays;
    // both pages say by how much the organization is over and the ways out; a new invitation is refused.
    await admin.getByRole('button', { name: 'Manage billing' }).click()
    await admin.waitForURL(`${EMULATOR}/portal/**`)
    await admin.getByLabel(new RegExp(small)).check()
    await admin.getByRole('button', { name: 'Change plan' }).click()
    await admin.getByText('Your plan has been changed.').waitFor()
    await admin.getByRole('link', { name: 'Return to the app' }).click()
    await admin.waitForURL(`${APP}/billing/${orgId}**`)
    const notice = admin.getByTestId('over-limit-notice')
    await expect.poll(async () => (await admin.reload(), await notice.textContent({ timeout: 5_000 }).catch(() => '')), { timeout: 60_000 })
      .toContain('3 seats in use; the plan includes 2.')
    expect(await notice.textContent()).toContain('until you remove 1 member or pending invitation or upgrade the plan')
    expect(await seatsLine(admin)).toBe('3 of 2 seats')
    await shot(admin, 'seats-10-over-limit')
    await admin.goto(`${APP}/members/${orgId}`)
    await invite(admin, `${uniq('seats-fourth')}@example.test`)
    await expect.poll(() => admin.getByRole('alert').filter({ hasText: 'over since the plan changed' }).count(), { timeout: 20_000 }).toBe(1)
    await shot(admin, 'seats-11-over-limit-refused')
    const [kept] = await journey.sql`select (select count(*)::int from public.organization_members where organization_id = ${orgId}) as members,
      (select count(*)::int from public.organization_invitations where organization_id = ${orgId} and accepted_at is null and revoked_at is null) as pending`
    expect(kept).toEqual({ members: 2, pending: 1 })

    // The way out: revoking the pending invitation frees the seat; the notice goes and Stripe bills 2.
    await admin.getByRole('button', { name: `Revoke the invitation to ${third}` }).click()
    await expect.poll(() => admin.getByRole('status').textContent({ timeout: 5_000 }).catch(() => ''), { timeout: 20_000 }).toBe(`The invitation to ${third} was revoked.`)
    expect(await admin.getByTestId('over-limit-notice').count()).toBe(0)
    await expect.poll(() => stripeQuantity(orgId), { timeout: 60_000 }).toBe(2)
    await admin.goto(`${APP}/billing/${orgId}`)
    await expect.poll(() => seatsLine(admin), { timeout: 20_000 }).toBe('2 of 2 seats')
    expect(await notice.count()).toBe(0)
    await shot(admin, 'seats-12-back-within')
    await guestContext.close()
  })
})
