// renderEmail renders each template once and derives the plain text from that HTML (render.ts): the
// text and HTML must equal what react-email gives when it renders the tree twice, once as HTML and once
// with { plainText: true }, as renderEmail did before, for every template and the variants that change
// its layout (tables, lists, links, optional sections).
import { render } from '@react-email/render'
import { createElement } from 'react'
import { describe, expect, test } from 'vitest'
import { renderEmail } from '../../supabase/functions/_shared/email/render.ts'
import { EMAIL_TYPES, EMAILS, type EmailType } from '../../supabase/functions/_shared/email/templates.ts'

const previewOf = (type: EmailType) => (EMAILS[type].component as unknown as { PreviewProps: Record<string, unknown> }).PreviewProps

const variants: [EmailType, Record<string, unknown>][] = [
  ...EMAIL_TYPES.map((type): [EmailType, Record<string, unknown>] => [type, previewOf(type)]),
  ['receipt', { ...previewOf('receipt'), amountPaid: 5000, currency: 'jpy', receiptUrl: null, discount: null }],
  ['subscription_confirmation', { ...previewOf('subscription_confirmation'), trialEndsAt: '2026-12-02T00:00:00Z', manageBillingUrl: null }],
  ['subscription_cancelled', { ...previewOf('subscription_cancelled'), reason: 'payment_failed', unpaidAmount: 4900, currency: 'usd', unpaidInvoiceUrl: 'http://x.test/i' }],
  ['subscription_resumed', { ...previewOf('subscription_resumed'), renewsAt: null }],
]

/** What react-email renders for these props in two passes (the HTML, then the plain text). */
async function twoPasses(type: EmailType, props: Record<string, unknown>) {
  const element = () => createElement(EMAILS[type].component as never, EMAILS[type].schema.parse(props) as never)
  return { html: await render(element()), text: await render(element(), { plainText: true }) }
}

describe('an email rendered once', () => {
  test.each(variants)('%s: its text and HTML equal react-email\'s two renders', async (type, props) => {
    const once = await renderEmail(type, props)
    const twice = await twoPasses(type, props)
    expect(once.text.length).toBeGreaterThan(50)
    expect(once.text).toBe(twice.text)
    expect(once.html).toBe(twice.html)
  })
})
