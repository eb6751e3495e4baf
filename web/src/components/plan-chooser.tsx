// The plans an organization without a subscription can choose; each button starts Stripe Checkout.
import type { Plan } from '../api-types.ts'
import { formatMoney, humanize, type FormatOptions } from '../lib/format.ts'

export interface PlanChooserProps extends FormatOptions {
  plans: Plan[]
  heading: string
  canChoose: boolean
  /** The price whose Checkout is being opened, to disable the buttons meanwhile. */
  busyPriceId: string | null
  disabled: boolean
  onChoose: (priceId: string) => void
}

function limitLabel(key: string, value: unknown): string | null {
  const name = key.length <= 3 ? key.toUpperCase() : humanize(key)
  if (value === null) return `Unlimited ${name.toLowerCase()}`
  if (value === true) return name
  if (value === false) return null
  if (typeof value === 'number' || typeof value === 'string') return `${name}: ${value}`
  return null
}

export function PlanChooser({ plans, heading, canChoose, busyPriceId, disabled, onChoose, ...format }: PlanChooserProps) {
  return (
    <section className="card" aria-labelledby="plans-heading">
      <h2 id="plans-heading">{heading}</h2>
      {plans.length === 0 ? (
        <p className="empty-state">No plans are available yet. Please check back soon.</p>
      ) : (
        <ul className="plans">
          {plans.map((plan) => {
            const limits = Object.entries(plan.limits ?? {})
              .map(([key, value]) => limitLabel(key, value))
              .filter((label): label is string => label !== null)
            const priceId = `plan-price-${plan.price_id}`
            return (
              <li key={plan.price_id} className="plan">
                <h3 className="plan-title">{plan.product_name}</h3>
                {plan.nickname ? <p className="muted small">{plan.nickname}</p> : null}
                <p className="plan-price" id={priceId}>
                  <span className="plan-amount">{formatMoney(plan.unit_amount, plan.currency, format)}</span>
                  <span className="muted"> / {plan.interval}</span>
                </p>
                {limits.length > 0 ? (
                  <ul className="plan-limits">
                    {limits.map((label) => <li key={label}>{label}</li>)}
                  </ul>
                ) : null}
                {canChoose ? (
                  <button
                    type="button"
                    className="button button-primary plan-button"
                    onClick={() => onChoose(plan.price_id)}
                    disabled={disabled}
                    aria-describedby={priceId}
                    aria-busy={busyPriceId === plan.price_id || undefined}
                  >
                    Choose {plan.product_name}
                  </button>
                ) : null}
              </li>
            )
          })}
        </ul>
      )}
    </section>
  )
}
