// The emulator's per-customer index (Emulator.ofCustomer): a customer's subscriptions, invoices and
// invoice items are read without scanning every customer's, and answer exactly what a scan would, after
// creation, removal, a snapshot load and a reset.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import Stripe from 'stripe'
import { describe, expect, it, vi } from 'vitest'
import { emulatorForFile, type Harness } from './harness.ts'

let h: Harness
let stripe: Stripe
emulatorForFile((started) => ({ h, stripe } = started))

const scan = (type: string, customer: string) => h.emulator.emu.all(type).filter((o) => o.customer === customer).map((o) => o.id)
const indexed = (type: string, customer: string) => h.emulator.emu.ofCustomer(type, customer).map((o) => o.id)

async function subscribed() {
  const product = await stripe.products.create({ name: 'Indexed' })
  const price = await stripe.prices.create({ product: product.id, unit_amount: 700, currency: 'usd', recurring: { interval: 'month' } })
  const customer = await stripe.customers.create({ payment_method: 'pm_card_visa', invoice_settings: { default_payment_method: 'pm_card_visa' } })
  const first = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] })
  const second = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] })
  return { customer, price, first, second }
}

describe("the emulator's per-customer index", () => {
  it('answers what a scan answers, in creation order, for each indexed type', async () => {
    const a = await subscribed()
    const b = await subscribed()
    await stripe.invoiceItems.create({ customer: a.customer.id, amount: 300, currency: 'usd' })
    for (const c of [a.customer.id, b.customer.id]) {
      for (const type of ['subscription', 'invoice', 'invoiceitem']) expect(indexed(type, c)).toEqual(scan(type, c))
    }
    expect(indexed('subscription', a.customer.id)).toEqual([a.first.id, a.second.id])
    expect(indexed('invoiceitem', a.customer.id)).toHaveLength(1)
  })

  it("serves a customer's retrieve with subscriptions expanded, and its invoice list, without reading every customer's", async () => {
    const { customer, first, second } = await subscribed()
    await subscribed()
    const all = vi.spyOn(h.emulator.emu, 'all')
    try {
      const got = await stripe.customers.retrieve(customer.id, { expand: ['subscriptions'] }) as Stripe.Customer
      expect(got.subscriptions!.data.map((s) => s.id)).toEqual([second.id, first.id])
      const invoices = await stripe.invoices.list({ customer: customer.id })
      expect(invoices.data.map((i) => i.customer)).toEqual([customer.id, customer.id])
      expect(all.mock.calls.map(([type]) => type)).not.toContain('subscription')
      expect(all.mock.calls.map(([type]) => type)).not.toContain('invoice')
    } finally {
      all.mockRestore()
    }
  })

  it('forgets a removed object, and is rebuilt after a snapshot load and a reset', async () => {
    const { customer } = await subscribed()
    const item = await stripe.invoiceItems.create({ customer: customer.id, amount: 100, currency: 'usd' })
    await stripe.invoiceItems.del(item.id)
    expect(indexed('invoiceitem', customer.id)).not.toContain(item.id)
    expect(indexed('invoiceitem', customer.id)).toEqual(scan('invoiceitem', customer.id))

    const file = path.join(mkdtempSync(path.join(tmpdir(), 'emu-index-')), 'snapshot.json')
    const emu = h.emulator.emu
    const before = indexed('subscription', customer.id)
    emu.saveSnapshot(file)
    emu.reset()
    expect(indexed('subscription', customer.id)).toEqual([])
    expect(emu.loadSnapshot(file)).toBe(true)
    expect(indexed('subscription', customer.id)).toEqual(before)
    expect(before).toHaveLength(2)
  })
})
