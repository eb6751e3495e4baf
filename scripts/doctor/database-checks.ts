// The database half of the doctor: extensions, Vault secrets, pg_cron jobs and their runs, the queue
// and the failures waiting for an admin. Each takes a connection, or a transaction (the tests break a
// check inside a transaction they roll back, so nothing else sees it).
import type postgres from 'postgres'
import { fail, pass, type CheckResult } from './checklist.ts'
import { checkDeadLetters } from './dead-letters.ts'
import { CRON_RUNS_CHECKED, EXPECTED_CRON_JOBS, QUEUE_STUCK_SECONDS, REQUIRED_EXTENSIONS, REQUIRED_VAULT_SECRETS } from './expected.ts'

type Sql = postgres.Sql | postgres.TransactionSql

/** Numeric parts of a version ("0.14.0-dev" → [0, 14, 0]), compared part by part. */
export function versionAtLeast(have: string, want: string): boolean {
  const parts = (v: string) => (v.match(/^\d+(\.\d+)*/)?.[0] ?? '0').split('.').map(Number)
  const [a, b] = [parts(have), parts(want)]
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0)
  }
  return true
}

export async function checkExtensions(sql: Sql, required = REQUIRED_EXTENSIONS): Promise<CheckResult[]> {
  const rows = await sql<{ extname: string; extversion: string }[]>`
    select extname, extversion from pg_extension where extname = any(${Object.keys(required)})`
  return Object.entries(required).map(([name, min]) => {
    const have = rows.find((r) => r.extname === name)?.extversion
    const check = `extension ${name}`
    if (!have) return fail(check, 'not installed', `apply the migrations (npx supabase db push), or: create extension if not exists ${name};`)
    if (!versionAtLeast(have, min)) return fail(check, `${have} installed, ${min} or newer needed`, `alter extension ${name} update;  (hosted: Dashboard → Database → Extensions)`)
    return pass(check, have)
  })
}

export async function checkVault(sql: Sql): Promise<CheckResult[]> {
  const rows = await sql<{ name: string; filled: boolean }[]>`
    select name, coalesce(decrypted_secret, '') <> '' as filled from vault.decrypted_secrets where name = any(${[...REQUIRED_VAULT_SECRETS]})`
  return REQUIRED_VAULT_SECRETS.map((name) => {
    const check = `Vault secret ${name}`
    const value = name === 'project_url' ? "'https://<project ref>.supabase.co'" : "'<service role key>'"
    if (!rows.some((r) => r.name === name && r.filled)) {
      return fail(check, 'not set (the cron jobs cannot call the functions)', `in the SQL editor: select vault.create_secret(${value}, '${name}');`)
    }
    return pass(check, 'set')
  })
}

export async function checkCronJobs(sql: Sql, expected: readonly string[] = EXPECTED_CRON_JOBS): Promise<CheckResult[]> {
  const jobs = await sql<{ jobid: number; jobname: string; schedule: string; active: boolean }[]>`
    select jobid, jobname, schedule, active from cron.job where jobname = any(${[...expected]})`
  const results: CheckResult[] = []
  for (const name of expected) {
    const check = `cron job ${name}`
    const job = jobs.find((j) => j.jobname === name)
    if (!job) {
      results.push(fail(check, 'not scheduled', 'apply the migrations (npx supabase db push); they schedule every job'))
      continue
    }
    if (!job.active) {
      results.push(fail(check, 'scheduled but inactive', `select cron.alter_job(${job.jobid}, active := true);`))
      continue
    }
    const runs = await sql<{ status: string; return_message: string | null; start_time: Date }[]>`
      select status, return_message, start_time from cron.job_run_details
      where jobid = ${job.jobid} and status in ('succeeded', 'failed') order by start_time desc limit ${CRON_RUNS_CHECKED}`
    const failed = runs.filter((r) => r.status === 'failed')
    if (failed.length > 0) {
      results.push(fail(check, `${failed.length} of its last ${runs.length} runs failed, last: ${(failed[0].return_message ?? '').trim().slice(0, 160)}`,
        `fix the cause above, then watch: select status, return_message, start_time from cron.job_run_details where jobid = ${job.jobid} order by start_time desc limit 5;`))
      continue
    }
    results.push(pass(check, `${job.schedule}, ${runs.length === 0 ? 'no runs yet' : `last ${runs.length} runs succeeded`}`))
  }
  return results
}

export async function checkQueues(sql: Sql, stuckSeconds = QUEUE_STUCK_SECONDS): Promise<CheckResult[]> {
  const queues = await sql<{ queue_name: string }[]>`select queue_name from pgmq.list_queues() order by queue_name`
  const results: CheckResult[] = []
  for (const { queue_name: q } of queues) {
    // Visible (vt passed) and still there long after: nobody is reading. Delayed messages are not counted.
    const [{ stuck, depth }] = await sql<{ stuck: number; depth: number }[]>`
      select count(*) filter (where vt < now() - make_interval(secs => ${stuckSeconds}))::int as stuck, count(*)::int as depth
      from ${sql('pgmq')}.${sql(`q_${q}`)}`
    results.push(stuck > 0
      ? fail(`queue ${q}`, `${stuck} of ${depth} messages waiting more than ${stuckSeconds}s`,
        "the drain is not keeping up or not running: check the cron job stripe-sync-drain above and the stripe-sync function's logs; select * from ops.queue_health;")
      : pass(`queue ${q}`, `${depth} messages, none waiting more than ${stuckSeconds}s`))
  }
  return results
}

export async function checkFailures(sql: Sql): Promise<CheckResult[]> {
  const runs = await sql<{ run_id: string; workflow_id: string; failed_step: string | null; last_error: string | null }[]>`
    select run_id, workflow_id, failed_step, last_error from ops.workflow_failures limit 3`
  const [{ run_count }] = await sql<{ run_count: number }[]>`select count(*)::int as run_count from ops.workflow_failures`
  const short = (s: string | null) => (s ?? '').replace(/\s+/g, ' ').slice(0, 120)
  return [
    await checkDeadLetters(sql),
    run_count > 0
      ? fail('failed workflow runs', `${run_count} runs failed, e.g. ${runs.map((r) => `${r.workflow_id} ${r.run_id} at ${r.failed_step}: ${short(r.last_error)}`).join('; ')}`,
        "read select * from ops.workflow_failures; fix the cause, then resume each: select ops.retry_workflow_run('<run id>');")
      : pass('failed workflow runs', 'none'),
  ]
}
