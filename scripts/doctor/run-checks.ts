// Every check, in the order an operator fixes things: database, its jobs and queues, then Stripe and
// the functions (which need Vault's project URL and key). A check that cannot run fails with its fix.
import type postgres from 'postgres'
import type Stripe from 'stripe'
import { fail, guarded, type CheckResult } from './checklist.ts'
import { checkCronJobs, checkExtensions, checkFailures, checkQueues, checkVault } from './database-checks.ts'
import { checkFunctionSecrets } from './function-checks.ts'
import { checkApiVersion, checkStripeKey, checkWebhookEndpoint } from './stripe-checks.ts'

export interface DoctorDeps {
  sql: postgres.Sql | postgres.TransactionSql
  stripe: Stripe
}

/** Vault's project URL and service-role key, for the checks that call the project (null when unset). */
async function projectFromVault(sql: DoctorDeps['sql']): Promise<{ url: string; serviceRoleKey: string } | null> {
  const rows = await sql<{ name: string; value: string }[]>`
    select name, decrypted_secret as value from vault.decrypted_secrets where name in ('project_url', 'service_role_key')`
  const get = (n: string) => rows.find((r) => r.name === n)?.value
  const url = get('project_url')
  const serviceRoleKey = get('service_role_key')
  return url && serviceRoleKey ? { url, serviceRoleKey } : null
}

export async function runChecks({ sql, stripe }: DoctorDeps): Promise<{ results: CheckResult[]; secrets: string[] }> {
  const dbFix = 'apply the migrations: npx supabase db push'
  const results: CheckResult[] = [
    ...(await guarded('extensions', dbFix, () => checkExtensions(sql))),
    ...(await guarded('Vault secrets', dbFix, () => checkVault(sql))),
    ...(await guarded('cron jobs', dbFix, () => checkCronJobs(sql))),
    ...(await guarded('queues', dbFix, () => checkQueues(sql))),
    ...(await guarded('failures', dbFix, () => checkFailures(sql))),
  ]
  const project = await projectFromVault(sql).catch(() => null)
  const { result: keyResult, endpoints } = await checkStripeKey(stripe)
  results.push(keyResult)
  const needsVault = 'set the Vault secrets project_url and service_role_key (above) first'
  if (!project) {
    results.push(fail('Stripe webhook endpoint', 'unknown: no project_url in Vault', needsVault), fail('function secrets', 'unknown: no project_url in Vault', needsVault))
  } else {
    if (endpoints) {
      results.push(checkWebhookEndpoint(endpoints, project.url))
      results.push(...(await guarded('Stripe API version', dbFix, async () => checkApiVersion(sql, endpoints, project.url))))
    }
    results.push(await checkFunctionSecrets(project.url, project.serviceRoleKey))
  }
  return { results, secrets: project ? [project.serviceRoleKey] : [] }
}
