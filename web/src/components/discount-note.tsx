// The discount on the subscription (a promotion code typed at Checkout, or a coupon): what it takes off
// and until when, as Stripe's discount says (`end` for a repeating coupon; none for forever or once).
import type { SubscriptionDiscount } from '../api-types.ts'
import { formatDate, formatMoney, type FormatOptions } from '../lib/format.ts'

export interface DiscountNoteProps extends FormatOptions {
  discount: SubscriptionDiscount
}

/** "20% off" or "$5.00 off". */
function amountOff(d: SubscriptionDiscount, format: FormatOptions): string {
  if (d.percent_off !== null) return `${d.percent_off}% off`
  return d.amount_off !== null && d.currency ? `${formatMoney(d.amount_off, d.currency, format)} off` : 'A discount'
}

function until(d: SubscriptionDiscount, format: FormatOptions): string {
  if (d.duration === 'forever') return 'on every invoice, with no end date'
  if (d.duration === 'once') return 'on the next invoice only'
  return d.ends_at ? `on invoices until ${formatDate(d.ends_at, format)}` : 'for a limited time'
}

export function DiscountNote({ discount: d, ...format }: DiscountNoteProps) {
  return (
    <section className="card" aria-labelledby="discount-heading" data-testid="discount">
      <h2 id="discount-heading">Discount</h2>
      <p>
        <strong>{d.name}</strong>
        {d.promotion_code ? <> (code <span className="mono">{d.promotion_code}</span>)</> : null}: {amountOff(d, format)} {until(d, format)}.
      </p>
    </section>
  )
}
