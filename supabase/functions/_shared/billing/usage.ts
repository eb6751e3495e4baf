// The plan's counted limits with usage, read as the caller from public.plan_usage (the reading the
// enforcement uses), for the billing page and the members page alike.
import type postgres from 'postgres'
import type { PlanUsage } from './api-types.ts'

/** Inside the caller's transaction (asUser): rows only for the organization's members. */
export async function planUsage(tx: postgres.TransactionSql, orgId: string): Promise<PlanUsage[]> {
  const rows = await tx`select limit_name, in_use, limit_value, over_by from public.plan_usage(${orgId})`
  return rows.map((u) => ({
    name: u.limit_name,
    in_use: Number(u.in_use),
    limit: u.limit_value === null ? null : Number(u.limit_value),
    over_by: Number(u.over_by),
  }))
}
