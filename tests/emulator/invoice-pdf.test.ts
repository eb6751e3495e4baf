// A finalized invoice has hosted_invoice_url and invoice_pdf (API reference "The Invoice object": both
// null while the invoice is a draft); the emulator serves a real PDF at invoice_pdf.
import { describe, expect, it } from 'vitest'
import Stripe from 'stripe'
import { emulatorForFile, type Harness } from './harness.ts'

let h: Harness
let stripe: Stripe
emulatorForFile((started) => ({ h, stripe } = started))

/** Checks the file's structure as a PDF reader does: header, every xref offset, startxref, stream length. */
function assertValidPdf(pdf: Buffer): string {
  const text = pdf.toString('latin1')
  expect(text.startsWith('%PDF-1.')).toBe(true)
  expect(text.trimEnd().endsWith('%%EOF')).toBe(true)
  const startxref = Number(/startxref\n(\d+)\n%%EOF/.exec(text)![1])
  expect(text.slice(startxref, startxref + 4)).toBe('xref')
  const [, first, count] = /^xref\n(\d+) (\d+)\n/.exec(text.slice(startxref))!.map(Number)
  expect(first).toBe(0)
  const entries = text.slice(startxref).split('\n').slice(2, 2 + count)
  expect(entries[0]).toBe('0000000000 65535 f ')
  entries.slice(1).forEach((entry, i) => {
    const offset = Number(entry.slice(0, 10))
    expect(entry.endsWith(' 00000 n ')).toBe(true)
    expect(text.slice(offset).startsWith(`${i + 1} 0 obj`)).toBe(true)
  })
  const trailer = /trailer\n<< \/Size (\d+) \/Root (\d+) 0 R/.exec(text)!
  expect(Number(trailer[1])).toBe(count)
  const stream = /<< \/Length (\d+) >>\nstream\n/.exec(text)!
  const body = text.slice(stream.index + stream[0].length)
  expect(body.slice(Number(stream[1]), Number(stream[1]) + '\nendstream'.length)).toBe('\nendstream')
  return text
}

describe('invoice_pdf and hosted_invoice_url', () => {
  it('are null on a draft and set when the invoice is finalized; invoice_pdf downloads a valid PDF of the invoice', async () => {
    const c = await stripe.customers.create({ email: 'pdf@example.test', name: 'Zoë (Paris)' })
    await stripe.invoiceItems.create({ customer: c.id, amount: 1234, currency: 'eur', description: 'Consulting (2 h)' })
    const draft = await stripe.invoices.create({ customer: c.id, pending_invoice_items_behavior: 'include' })
    expect(draft).toMatchObject({ status: 'draft', hosted_invoice_url: null, invoice_pdf: null })
    const open = await stripe.invoices.finalizeInvoice(draft.id)
    expect(open.hosted_invoice_url).toMatch(new RegExp(`/invoice/${open.id}$`))
    expect(open.invoice_pdf).toMatch(new RegExp(`/invoice/${open.id}/pdf$`))
    const res = await fetch(open.invoice_pdf!)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/pdf')
    expect(res.headers.get('content-disposition')).toContain(`Invoice-${open.number}.pdf`)
    const text = assertValidPdf(Buffer.from(await res.arrayBuffer()))
    expect(text).toContain(`(Invoice ${open.number})`)
    expect(text).toContain('(Consulting \\(2 h\\)    12.34 EUR)')
    expect(text).toContain('(Billed to: Zo\xEB \\(Paris\\))')
    expect((await fetch(open.hosted_invoice_url!)).headers.get('content-type')).toContain('text/html')
  })

  it('answers 404 for a draft invoice\'s PDF', async () => {
    const c = await stripe.customers.create({ email: 'pdf2@example.test' })
    const draft = await stripe.invoices.create({ customer: c.id })
    expect((await fetch(`${h.emulator.url}/invoice/${draft.id}/pdf`)).status).toBe(404)
  })
})
