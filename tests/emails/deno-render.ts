// Run by render.test.ts under Deno: renders one email the way an edge function would.
import { renderEmail } from '../../supabase/functions/_shared/email/render.ts'

const r = await renderEmail('payment_failed', {
  organizationName: 'Acme Inc.',
  amountDue: 4900,
  currency: 'usd',
  dueDate: '2026-11-29T00:00:00Z',
  paymentUrl: 'http://127.0.0.1:12111/invoices/in_123/pay',
})
console.log(JSON.stringify({ subject: r.subject, text: r.text }))
