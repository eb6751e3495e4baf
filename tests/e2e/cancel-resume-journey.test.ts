// Cancel and resume in a real browser against the stack (issue 17 item 6): the customer cancels at the
// period's end with a reason; Stripe has the request and the reason, the page shows the end date from
// the mirror (after a reload too) and the confirmation email gives the same date; resuming before the
// end puts the page back and sends the "continues" email; each email once. Screenshots go to
// test-results/screenshots/cancel-*.
import { describe, expect, it } from 'vitest'
import { stripeFor } from '../../dev/stack/stripe.ts'
import { browserJourney, mailWithSubject, shot, subscribedCustomer } from '../helpers/browser-journey.ts'
import { mailsTo } from '../helpers/mail.ts'
import { stackProfile } from '../helpers/stack.ts'

const journey = browserJourney()
const stripe = stripeFor(stackProfile)

describe('cancel and resume in a browser', () => {
  it('cancels at period end with a reason (Stripe, page, email), then resumes before the end (page, email)', { timeout: 300_000 }, async () => {
    const { context, page, email, orgId, customerId } = await subscribedCustomer(journey.browser, stripe, journey.sql, 'Canceller', 2500)
    const [sub] = (await stripe.subscriptions.list({ customer: customerId })).data

    await page.getByRole('button', { name: 'Cancel subscription…' }).click()
    await page.getByLabel('Why are you cancelling? (optional)').selectOption('too_expensive')
    await page.getByLabel('Anything we should know? (optional)').fill('Budget cut')
    await shot(page, 'cancel-1-reason')
    await page.getByRole('button', { name: 'Cancel at period end' }).click()
    const note = page.getByTestId('ending-note')
    await note.waitFor({ timeout: 60_000 })
    expect(await stripe.subscriptions.retrieve(sub.id)).toMatchObject({ cancel_at_period_end: true, cancellation_details: { feedback: 'too_expensive', comment: 'Budget cut' } })
    // The page shows what the mirror holds, not what was clicked: a reload shows the same.
    const [mirrored] = await journey.sql`select cancel_at_period_end from public.stripe_subscriptions where id = ${sub.id}`
    expect(mirrored.cancel_at_period_end).toBe(true)
    await page.reload()
    await note.waitFor({ timeout: 20_000 })
    const confirmation = await mailWithSubject(email, /^Your subscription ends on /)
    const endsOn = confirmation.subject.replace('Your subscription ends on ', '')
    expect(new Date(`${endsOn} UTC`).toISOString().slice(0, 10)).toBe(new Date(sub.items.data[0].current_period_end * 1000).toISOString().slice(0, 10))
    expect(await note.textContent()).toBe(`Your subscription ends on ${endsOn}. Resume it before then and nothing changes.`)
    await shot(page, 'cancel-2-ending')

    await page.getByRole('button', { name: 'Resume subscription' }).click()
    await page.getByRole('button', { name: 'Cancel subscription…' }).waitFor({ timeout: 60_000 })
    expect((await stripe.subscriptions.retrieve(sub.id)).cancel_at_period_end).toBe(false)
    await page.reload()
    await page.getByRole('button', { name: 'Cancel subscription…' }).waitFor({ timeout: 20_000 })
    expect(await note.count()).toBe(0)
    expect(await page.getByTestId('status-badge').textContent()).toBe('Active')
    const resumed = await mailWithSubject(email, 'Your subscription continues')
    expect(resumed.text).toContain('the subscription continues')
    expect(resumed.html).toContain(`/billing/${orgId}`)
    await shot(page, 'cancel-3-resumed')

    // One email per fact: a confirmation and a resumption, never twice.
    const subjects = (await mailsTo(email, { atLeast: 3 })).map((m) => m.subject)
    expect(subjects.filter((s) => s.startsWith('Your subscription ends on '))).toHaveLength(1)
    expect(subjects.filter((s) => s === 'Your subscription continues')).toHaveLength(1)
    await context.close()
  })
})
