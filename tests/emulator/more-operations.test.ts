// The remaining operations through the official client: one-off invoices and invoice items, checkout
// session listing and expiry, subscription items, test clock listing and deletion, pause and resume,
// and the emulator's snapshot and reset.
import { describe, expect, it } from 'vitest'
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import Stripe from 'stripe'
import { client, emulatorForFile, type Harness } from './harness.ts'
import { startEmulator } from '../../dev/stripe-emulator/server.ts'

let h: Harness
let stripe: Stripe
emulatorForFile((started) => ({ h, stripe } = started))

describe('one-off invoices', () => {
  it('bills pending invoice items, finalizes, pays, voids, marks uncollectible and deletes drafts', async () => {
    const c = await stripe.customers.create({ email: 'oneoff@example.test', payment_method: 'pm_card_visa', invoice_settings: { default_payment_method: 'pm_card_visa' } })
    const item = await stripe.invoiceItems.create({ customer: c.id, amount: 1500, currency: 'usd', description: 'Setup fee' })
    expect((await stripe.invoiceItems.list({ customer: c.id, pending: true })).data.map((i) => i.id)).toEqual([item.id])
    const draft = await stripe.invoices.create({ customer: c.id, pending_invoice_items_behavior: 'include' })
    expect(draft).toMatchObject({ status: 'draft', amount_due: 1500, number: null })
    expect((await stripe.invoices.listLineItems(draft.id)).data[0]).toMatchObject({ amount: 1500, description: 'Setup fee' })
    const open = await stripe.invoices.finalizeInvoice(draft.id)
    expect(open.status).toBe('open')
    expect(open.number).toMatch(/-0001$/)
    const paid = await stripe.invoices.pay(open.id)
    expect(paid).toMatchObject({ status: 'paid', amount_paid: 1500, amount_remaining: 0 })
    await expect(stripe.invoices.pay(open.id)).rejects.toMatchObject({ statusCode: 400 })
    // Stripe's invoice_not_editable: a finalized invoice is not finalized again, nor a paid one voided.
    await expect(stripe.invoices.finalizeInvoice(open.id)).rejects.toMatchObject({ statusCode: 400, code: 'invoice_not_editable' })
    await expect(stripe.invoices.voidInvoice(open.id)).rejects.toMatchObject({ statusCode: 400, code: 'invoice_not_editable' })

    await stripe.invoiceItems.create({ customer: c.id, amount: 700, currency: 'usd' })
    const second = await stripe.invoices.finalizeInvoice((await stripe.invoices.create({ customer: c.id, pending_invoice_items_behavior: 'include' })).id)
    expect((await stripe.invoices.voidInvoice(second.id)).status).toBe('void')
    await stripe.invoiceItems.create({ customer: c.id, amount: 800, currency: 'usd' })
    const third = await stripe.invoices.finalizeInvoice((await stripe.invoices.create({ customer: c.id, pending_invoice_items_behavior: 'include' })).id)
    expect((await stripe.invoices.markUncollectible(third.id)).status).toBe('uncollectible')
    const throwaway = await stripe.invoices.create({ customer: c.id })
    expect(await stripe.invoices.del(throwaway.id)).toMatchObject({ deleted: true })
    await expect(stripe.invoices.del(third.id)).rejects.toMatchObject({ statusCode: 400 })
    expect((await stripe.invoices.list({ customer: c.id, status: 'paid' })).data.map((i) => i.id)).toEqual([open.id])
    const updated = await stripe.invoices.update(third.id, { metadata: { note: 'written off' } })
    expect(updated.metadata).toEqual({ note: 'written off' })
  })

  it('answers 402 card_error when an invoice is paid with a failing card, recording the attempt', async () => {
    const c = await stripe.customers.create({ email: 'fails@example.test' })
    const pm = await stripe.paymentMethods.attach('pm_card_chargeCustomerFail', { customer: c.id })
    await stripe.invoiceItems.create({ customer: c.id, amount: 900, currency: 'usd' })
    const inv = await stripe.invoices.create({ customer: c.id, pending_invoice_items_behavior: 'include' })
    const err = await stripe.invoices.pay(inv.id, { payment_method: pm.id }).catch((e) => e)
    expect(err).toBeInstanceOf(Stripe.errors.StripeCardError)
    expect(err.code).toBe('card_declined')
    expect(await stripe.invoices.retrieve(inv.id)).toMatchObject({ status: 'open', attempt_count: 1, attempted: true })
  })
})

describe('other resources', () => {
  it('lists and expires checkout sessions, lists subscription items, pauses a trial without a card and resumes it', async () => {
    const product = await stripe.products.create({ name: 'Misc' })
    const price = await stripe.prices.create({ product: product.id, unit_amount: 500, currency: 'usd', recurring: { interval: 'month' } })
    const session = await stripe.checkout.sessions.create({ mode: 'subscription', line_items: [{ price: price.id }], success_url: 'http://app.test/ok' })
    expect((await stripe.checkout.sessions.list({ limit: 100 })).data.map((s) => s.id)).toContain(session.id)
    expect((await stripe.checkout.sessions.expire(session.id)).status).toBe('expired')
    await expect(stripe.checkout.sessions.expire(session.id)).rejects.toMatchObject({ statusCode: 400 })

    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: Math.floor(Date.now() / 1000), name: 'pause' })
    expect((await stripe.testHelpers.testClocks.list()).data.map((c) => c.id)).toContain(clock.id)
    const c = await stripe.customers.create({ email: 'pause@example.test', test_clock: clock.id })
    const sub = await stripe.subscriptions.create({ customer: c.id, items: [{ price: price.id, quantity: 2 }], trial_period_days: 7, trial_settings: { end_behavior: { missing_payment_method: 'pause' } } })
    expect((await stripe.subscriptionItems.list({ subscription: sub.id })).data[0].quantity).toBe(2)
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: clock.frozen_time + 8 * 86_400 })
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe('paused')
    const pm = await stripe.paymentMethods.attach('pm_card_visa', { customer: c.id })
    await stripe.customers.update(c.id, { invoice_settings: { default_payment_method: pm.id } })
    expect((await stripe.subscriptions.resume(sub.id)).status).toBe('active')
    expect((await stripe.invoices.list({ customer: c.id, limit: 1 })).data[0]).toMatchObject({ status: 'paid', amount_paid: 1000 })
    expect(await stripe.testHelpers.testClocks.del(clock.id)).toMatchObject({ deleted: true })
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe('canceled')
  })
})

describe('state', () => {
  it('keeps its state in a snapshot file across restarts, and reset empties it', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'emu-')), 'state.json')
    const first = await startEmulator({ snapshotPath: file, tickMs: 60_000 })
    const c = await client(first.url).customers.create({ email: 'kept@example.test' })
    await first.close()
    const second = await startEmulator({ snapshotPath: file, tickMs: 60_000 })
    const again = client(second.url)
    try {
      expect(((await again.customers.retrieve(c.id)) as Stripe.Customer).email).toBe('kept@example.test')
      await fetch(`${second.url}/_emulator/reset`, { method: 'POST' })
      await expect(again.customers.retrieve(c.id)).rejects.toMatchObject({ statusCode: 404 })
    } finally {
      await second.close()
    }
  })

  it('writes its snapshot once changes pause, or at the latest a bound after the first unsaved one', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'emu-')), 'state.json')
    const emu = await startEmulator({ snapshotPath: file, tickMs: 20, snapshotQuietMs: 800, snapshotMaxDelayMs: 1_500 })
    const stripe = client(emu.url)
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
    try {
      // Changes every ~50 ms for 3.2 s: written at the bound (about twice), not at every 20 ms tick after a change.
      const writes = new Set<number>()
      let last = ''
      for (const until = Date.now() + 3_200; Date.now() < until; await sleep(50)) {
        last = (await stripe.customers.create({})).id
        if (existsSync(file)) writes.add(statSync(file).mtimeMs)
      }
      expect(writes.size).toBeGreaterThanOrEqual(1)
      expect(writes.size).toBeLessThanOrEqual(3)
      // Everything saved (once the changes paused) before the next step starts from nothing unsaved.
      for (const until = Date.now() + 10_000; !readFileSync(file, 'utf8').includes(last) && Date.now() < until;) await sleep(50)
      // One change after a quiet spell: not written at once, written once the quiet period has passed.
      const c = await stripe.customers.create({ email: 'last@example.test' })
      await sleep(200)
      expect(readFileSync(file, 'utf8')).not.toContain(c.id)
      await sleep(1_000)
      expect(readFileSync(file, 'utf8')).toContain(c.id)
    } finally {
      await emu.close()
    }
  })
})
