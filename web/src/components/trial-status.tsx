// A trial in progress: the days left, whether a card is on file, and what the end of the trial will do
// (Stripe's trial_settings.end_behavior when no card is on file: pause or cancel), with a way to add one.
import type { Subscription } from '../api-types.ts'
import { formatDate, type FormatOptions } from '../lib/format.ts'

export interface TrialStatusProps extends FormatOptions {
  subscription: Subscription
  hasCard: boolean
  canManage: boolean
  busy: boolean
  /** Opens Stripe's portal, where a card is added. */
  onAddCard: () => void
  /** "Now", for the days left (tests pin it). */
  now?: Date
}

const DAY_MS = 86_400_000

/** Whole days left, rounded up (a trial ending in 3 hours has 1 day left); 0 once it has ended. */
export function trialDaysLeft(trialEnd: string, now: Date): number {
  return Math.max(0, Math.ceil((new Date(trialEnd).getTime() - now.getTime()) / DAY_MS))
}

function atTrialEnd(sub: Subscription, hasCard: boolean, date: string): string {
  if (hasCard) return `On ${date} your card is charged and the plan continues.`
  if (sub.trial_end_behavior === 'pause') return `No card is on file: on ${date} your subscription will be paused, and access stops until you add one.`
  if (sub.trial_end_behavior === 'cancel') return `No card is on file: on ${date} your subscription will be cancelled unless you add one.`
  return `No card is on file: add one before ${date} to pay the first invoice.`
}

export function TrialStatus({ subscription: sub, hasCard, canManage, busy, onAddCard, now = new Date(), ...format }: TrialStatusProps) {
  if (!sub.trial_end) return null
  const left = trialDaysLeft(sub.trial_end, now)
  const date = formatDate(sub.trial_end, format)
  return (
    <section className="card" aria-labelledby="trial-heading" data-testid="trial-status">
      <h2 id="trial-heading">Free trial</h2>
      <p className="plan-name" data-testid="trial-days-left">{left === 1 ? '1 day left' : `${left} days left`}</p>
      <dl className="facts">
        <div>
          <dt>Card on file</dt>
          <dd data-testid="trial-card">{hasCard ? 'Yes' : 'No'}</dd>
        </div>
        <div>
          <dt>Ends on</dt>
          <dd>{date}</dd>
        </div>
      </dl>
      <p className={hasCard ? 'muted' : 'callout callout-warning'} data-testid="trial-end-behavior">{atTrialEnd(sub, hasCard, date)}</p>
      {canManage && !hasCard ? (
        <button type="button" className="button button-primary" onClick={onAddCard} disabled={busy}>
          Add a card
        </button>
      ) : null}
    </section>
  )
}
