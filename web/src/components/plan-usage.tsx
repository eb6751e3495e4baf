// The plan's counted limits with what is in use ("3 of 5 seats", "7 of 10 projects"), as SQL's
// public.plan_usage reads them: the same reading that refuses an invitation or a project beyond them.
import type { PlanUsage } from '../api-types.ts'
import { usageLine } from '../lib/usage.ts'

export function PlanUsageCard({ usage }: { usage: PlanUsage[] }) {
  if (usage.length === 0) return null
  return (
    <section className="card" aria-labelledby="usage-heading">
      <h2 id="usage-heading">Plan limits</h2>
      <ul className="usage" data-testid="plan-usage">
        {usage.map((u) => (
          <li key={u.name} className="usage-row" data-testid={`usage-${u.name}`}>
            <span className={u.over_by > 0 ? 'usage-text usage-over' : 'usage-text'}>{usageLine(u)}</span>
            {u.limit !== null && u.limit > 0 ? (
              // Past 80% of the limit the meter turns to its warning colour.
              <meter min={0} max={u.limit} value={Math.min(u.in_use, u.limit)} optimum={0} high={u.limit * 0.8} aria-label={usageLine(u)} />
            ) : null}
          </li>
        ))}
      </ul>
    </section>
  )
}
