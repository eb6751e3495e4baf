// Billing periods: add a price's interval to a timestamp the way Stripe anchors them (same day of
// month, clamped to the month's last day: Jan 31 + 1 month = Feb 28/29).

export type Interval = 'day' | 'week' | 'month' | 'year'

export const DAY = 86_400

export function addInterval(ts: number, interval: Interval, count = 1, anchorDay?: number): number {
  if (interval === 'day') return ts + count * DAY
  if (interval === 'week') return ts + count * 7 * DAY
  const d = new Date(ts * 1000)
  const months = interval === 'month' ? count : 12 * count
  const day = anchorDay ?? d.getUTCDate()
  const target = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()))
  const last = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate()
  target.setUTCDate(Math.min(day, last))
  return Math.floor(target.getTime() / 1000)
}
