// Change plan in a real browser against the stack (issue 17 item 2): a declined upgrade changes nothing
// and says to update the card; the chooser previews an upgrade (charged now, next invoice) and applies
// it, charged as previewed; a downgrade is previewed as from the
// period's end, then shown as scheduled ("changes to X on <date>", after a reload too) while Stripe holds
// it in a subscription schedule; Undo releases it. Screenshots go to test-results/screenshots/plan-change-*.
import { describe, expect, it } from 'vitest'
import type Stripe from 'stripe'
import { stripeFor } from '../../dev/stack/stripe.ts'
import { browserJourney, shot, subscribedCustomer } from '../helpers/browser-journey.ts'
import { stackProfile, uniq } from '../helpers/stack.ts'

const journey = browserJourney()
const stripe = stripeFor(stackProfile)

const usd = (minor: number) => `$${(minor / 100).toFixed(2)}`

async function higherPlan(sql: typeof journey.sql, name: string, amount: number): Promise<Stripe.Price> {
  const product = await stripe.products.create({ name, metadata: { 'limits.seats': '10' } })
  const price = await stripe.prices.create({ product: product.id, unit_amount: amount, currency: 'usd', recurring: { interval: 'month' } })
  await expect.poll(async () => (await sql`select 1 from public.stripe_prices where id = ${price.id}`).length, { timeout: 60_000 }).toBe(1)
  return price
}

describe('plan change in a browser', () => {
  it('previews and applies an upgrade, schedules a downgrade the page shows, and undoes it', { timeout: 300_000 }, async () => {
    const proName = uniq('Pro').replace(/_/g, ' ')
    const pro = await higherPlan(journey.sql, proName, 3000)
    const { context, page, customerId, planName } = await subscribedCustomer(journey.browser, stripe, journey.sql, 'Changer', 1000)
    const [sub] = (await stripe.subscriptions.list({ customer: customerId })).data

    // A declined card: the plan stays, and the page says why and what to do.
    const visa = sub.default_payment_method
    const failing = await stripe.paymentMethods.attach('pm_card_chargeCustomerFail', { customer: customerId })
    await stripe.subscriptions.update(sub.id, { default_payment_method: failing.id })
    await page.getByRole('button', { name: `Switch to ${proName}` }).click()
    await page.getByRole('button', { name: 'Confirm change' }).click()
    const alert = page.getByRole('alert')
    await alert.waitFor({ timeout: 60_000 })
    expect(await alert.textContent()).toContain('Your card was declined, so your plan was not changed and nothing was charged. Update your card')
    expect(await page.getByTestId('plan-name').textContent()).toBe(planName)
    expect((await stripe.subscriptions.retrieve(sub.id)).items.data[0].price.id).not.toBe(pro.id)
    await shot(page, 'plan-change-0-declined')
    await stripe.subscriptions.update(sub.id, { default_payment_method: visa as string })
    await page.getByRole('button', { name: 'Keep current plan' }).click()

    // Upgrade: the preview first, nothing changed until confirmed.
    await page.getByRole('button', { name: `Switch to ${proName}` }).click()
    const preview = page.getByTestId('plan-change-preview')
    await preview.waitFor({ timeout: 30_000 })
    expect(await preview.textContent()).toContain(`Upgrade to ${proName} now.`)
    expect(await page.getByTestId('next-invoice').textContent()).toBe('$30.00')
    const dueNow = (await page.getByTestId('due-now').textContent())!
    expect((await stripe.subscriptions.retrieve(sub.id)).items.data[0].price.id).not.toBe(pro.id)
    await shot(page, 'plan-change-1-preview')
    await page.getByRole('button', { name: 'Confirm change' }).click()
    await expect.poll(() => page.getByTestId('plan-name').textContent(), { timeout: 60_000 }).toBe(proName)
    expect((await stripe.subscriptions.retrieve(sub.id)).items.data[0].price.id).toBe(pro.id)
    const [charged] = (await stripe.invoices.list({ subscription: sub.id, limit: 1 })).data
    expect(charged.billing_reason).toBe('subscription_update')
    expect(usd(charged.amount_paid)).toBe(dueNow)
    await shot(page, 'plan-change-2-upgraded')

    // Downgrade: from the period's end, nothing charged now; the page shows it scheduled.
    await page.getByRole('button', { name: `Switch to ${planName}` }).click()
    await preview.waitFor({ timeout: 30_000 })
    expect(await preview.textContent()).toContain(`Downgrade to ${planName} at the end of this period`)
    expect(await page.getByTestId('due-now').textContent()).toBe('$0.00')
    await shot(page, 'plan-change-3-downgrade-preview')
    await page.getByRole('button', { name: 'Confirm change' }).click()
    const scheduled = page.getByTestId('scheduled-change')
    await scheduled.waitFor({ timeout: 60_000 })
    const schedule = (await stripe.subscriptions.retrieve(sub.id, { expand: ['schedule'] })).schedule as Stripe.SubscriptionSchedule
    expect(schedule.phases.map((p) => p.items[0].price)).toEqual([pro.id, expect.any(String)])
    const on = new Date(schedule.phases[1].start_date * 1000).toLocaleDateString('en-US', { month: 'long', day: 'numeric', year: 'numeric', timeZone: 'UTC' })
    await page.reload()
    await scheduled.waitFor({ timeout: 20_000 })
    expect(await scheduled.textContent()).toContain(`Your plan changes to ${planName} ($10.00 / month) on ${on}.`)
    expect(await page.getByTestId('plan-name').textContent()).toBe(proName)
    await shot(page, 'plan-change-4-scheduled')

    // Undo: the schedule is released and the plans are offered again.
    await page.getByRole('button', { name: 'Undo change' }).click()
    await page.getByRole('button', { name: `Switch to ${planName}` }).waitFor({ timeout: 60_000 })
    expect(await scheduled.count()).toBe(0)
    expect((await stripe.subscriptions.retrieve(sub.id)).schedule).toBeNull()
    expect((await stripe.subscriptionSchedules.retrieve(schedule.id)).status).toBe('released')
    await shot(page, 'plan-change-5-undone')
    await context.close()
  })
})
