// Each email renders with its preview props, as HTML and plain text carrying the facts it must carry.
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { describe, expect, test } from 'vitest'
import { ROOT } from '../../dev/stack/config.ts'
import { renderEmail } from '../../supabase/functions/_shared/email/render.ts'
import { EMAIL_TYPES, EMAILS, isEmailEnabled } from '../../supabase/functions/_shared/email/templates.ts'
import { NonRetriableError } from '../../supabase/functions/_shared/errors.ts'

const previewOf = (type: keyof typeof EMAILS) => (EMAILS[type].component as unknown as { PreviewProps: Record<string, unknown> }).PreviewProps

/** Each of `texts` stands in the named parts of the rendered email (both the HTML and the plain text unless told). */
function expectRendered(r: { html: string; text: string }, texts: string[], parts: ('html' | 'text')[] = ['html', 'text']) {
  for (const part of parts) {
    for (const t of texts) expect(r[part]).toContain(t)
  }
}

describe('email templates', () => {
  test.each(EMAIL_TYPES)('%s renders HTML and text from its preview props', async (type) => {
    const r = await renderEmail(type, previewOf(type))
    expect(r.subject.length).toBeGreaterThan(5)
    expect(r.html).toMatch(/^<!DOCTYPE html/)
    expect(r.text).not.toMatch(/<[a-z]/i)
    expect({ subject: r.subject, text: r.text }).toMatchSnapshot()
  })

  test('the payment-failed email shows the amount due, the due date and the payment link', async () => {
    const r = await renderEmail('payment_failed', previewOf('payment_failed'))
    expectRendered(r, ['$49.00', 'November 29, 2026', 'http://127.0.0.1:12111/invoices/in_123/pay'])
  })

  test('the trial confirmation promises a reminder before the trial ends, not "a week before" (the lead is a setting; a short trial is reminded at once)', async () => {
    const r = await renderEmail('subscription_confirmation', { ...previewOf('subscription_confirmation'), trialEndsAt: '2026-12-02T00:00:00Z' })
    expect(r.text).toContain('We will remind you before it ends.')
    expect(r.text).not.toMatch(/a week before/)
  })

  test('the receipt shows the invoice number, amount, and paid date', async () => {
    const r = await renderEmail('receipt', { ...previewOf('receipt'), amountPaid: 5000, currency: 'jpy' })
    expectRendered(r, ['ACME-0042', '¥5,000', 'November 22, 2026'], ['text'])
  })

  test('the refund email says how much of which invoice was refunded, and whether it was all of it', async () => {
    const partial = await renderEmail('refund_issued', previewOf('refund_issued'))
    expect(partial.subject).toBe('Refund of $10.00 on invoice ACME-0042')
    expectRendered(partial, ['$10.00', 'November 24, 2026', 'http://127.0.0.1:12111/invoices/in_123'])
    expect(partial.text).toMatch(/refunded part of invoice ACME-0042 for Acme Inc. \(\$49.00 paid\)/)
    const full = await renderEmail('refund_issued', { ...previewOf('refund_issued'), amountRefunded: 4900 })
    expect(full.text).toMatch(/refunded the full amount of invoice ACME-0042 for Acme Inc.\./)
  })

  test('the invitation names the organization, the role and the expiry, and links to the accept page', async () => {
    const r = await renderEmail('invitation', previewOf('invitation'))
    expect(r.subject).toBe('You are invited to join Acme Inc.')
    expectRendered(r, ['/invite/9f2c1e0d4b3a2918', 'December 6, 2026'])
    expect(r.text).toContain('as a member')
  })

  test('the cancellation email carries the export link and the deletion date', async () => {
    const r = await renderEmail('subscription_cancelled', previewOf('subscription_cancelled'))
    expectRendered(r, ['export-download?export=', 'December 22, 2026'], ['text'])
  })

  test('the reminder lists its steps one per line, not run together in one paragraph', async () => {
    const r = await renderEmail('payment_reminder', previewOf('payment_reminder'))
    expect(r.html.match(/<li\b/g)).toHaveLength(3)
    expect(r.html).toMatch(/<ol\b/)
    const lines = r.text.split('\n').map((l) => l.trim())
    for (const step of ['Pay the invoice with any card.', 'Update the card we charge automatically.', 'Ask your bank to allow the payment, then pay again.']) {
      expect(lines.some((l) => l.endsWith(step) && l.length < step.length + 5), step).toBe(true)
    }
  })

  test('the cancellation-scheduled email confirms the end date and says how to resume', async () => {
    const r = await renderEmail('cancellation_scheduled', previewOf('cancellation_scheduled'))
    expect(r.subject).toBe('Your subscription ends on December 22, 2026')
    expectRendered(r, ['Everything keeps working until December 22, 2026', 'Resume subscription', 'http://127.0.0.1:3000/billing/7b2c6f0e-5d1a-4c3b-9e8f-0a1b2c3d4e5f'], ['text'])
  })

  test('the resumed email says the subscription continues and when it renews', async () => {
    const r = await renderEmail('subscription_resumed', previewOf('subscription_resumed'))
    expect(r.subject).toBe('Your subscription continues')
    expectRendered(r, ['has been withdrawn', 'It renews on December 22, 2026'], ['text'])
    const unknown = await renderEmail('subscription_resumed', { ...previewOf('subscription_resumed'), renewsAt: null })
    expect(unknown.text).toContain('It renews and is charged as before.')
  })

  test('a cancellation by failed payments says why, what is unpaid and how to come back', async () => {
    const unpaidUrl = 'http://127.0.0.1:12111/invoice/in_unpaid'
    const r = await renderEmail('subscription_cancelled', { ...previewOf('subscription_cancelled'), reason: 'payment_failed', unpaidAmount: 4900, currency: 'usd', unpaidInvoiceUrl: unpaidUrl })
    expect(r.subject).toBe('Your subscription has ended: payment failed')
    expectRendered(r, ['because we could not collect its payment', '$49.00 is still unpaid'], ['text'])
    expect(r.text).toContain(unpaidUrl)
    expect(r.text).toContain('To come back, update your card and choose a plan again')
    const voluntary = await renderEmail('subscription_cancelled', previewOf('subscription_cancelled'))
    expect(voluntary.subject).toBe('Your subscription has ended')
    expect(voluntary.text).not.toContain('could not collect')
    expect(voluntary.text).not.toContain('unpaid')
  })

  test('props that do not fit the template are refused as not retriable', async () => {
    const err = await renderEmail('receipt', { organizationName: 'x' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(NonRetriableError)
    expect((err as Error).message).toMatch(/^email receipt has invalid props: invoiceNumber/)
  })

  test('an email type listed in EMAILS_DISABLED is switched off, others stay on', () => {
    process.env.EMAILS_DISABLED = 'receipt, trial_ending'
    try {
      expect(isEmailEnabled('receipt')).toBe(false)
      expect(isEmailEnabled('trial_ending')).toBe(false)
      expect(isEmailEnabled('payment_failed')).toBe(true)
    } finally {
      delete process.env.EMAILS_DISABLED
    }
  })

  test('the same templates render under Deno, as the edge functions run them', () => {
    const r = spawnSync(path.join(ROOT, 'node_modules/deno/deno'), ['run', '-A', '--quiet', '--config', 'supabase/functions/deno.json', 'tests/emails/deno-render.ts'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    })
    expect(r.stderr).toBe('')
    const out = JSON.parse(r.stdout)
    expect(out.subject).toBe('Payment of $49.00 failed')
    expect(out.text).toContain('$49.00')
  }, 60_000)
})
