// `npm run doctor` against the running stack: every check passes on a healthy deployment, and each
// one, broken (inside a transaction rolled back afterwards, or on a private emulator), fails with its fix.
import { spawn } from 'node:child_process'
import path from 'node:path'
import type postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { ROOT } from '../../dev/stack/config.ts'
import { emulatorClient } from '../../dev/stack/stripe.ts'
import { LOCAL_STRIPE_KEY } from '../../dev/stack/services.ts'
import { EXPECTED_CRON_JOBS } from '../../scripts/doctor/expected.ts'
import { checkCronJobs, checkExtensions, checkFailures, checkQueues, checkVault, versionAtLeast } from '../../scripts/doctor/database-checks.ts'
import { checkDeadLetters } from '../../scripts/doctor/dead-letters.ts'
import { checkFunctionSecrets } from '../../scripts/doctor/function-checks.ts'
import { runChecks } from '../../scripts/doctor/run-checks.ts'
import { checkApiVersion, checkStripeKey, checkWebhookEndpoint, webhookUrlOf } from '../../scripts/doctor/stripe-checks.ts'
import { HANDLED_EVENT_TYPES } from '../../supabase/functions/_shared/stripe/handled-events.ts'
import { missingFunctionSecrets } from '../../supabase/functions/_shared/required-secrets.ts'
import { adminSql, apiUrl, keys, stackProfile } from '../helpers/stack.ts'
import { startStripe, type EmulatedStripe } from '../helpers/stripe-emulator.ts'

let sql: postgres.Sql
let emulated: EmulatedStripe
beforeAll(async () => {
  sql = adminSql()
  emulated = await startStripe()
})
afterAll(async () => {
  await sql.end()
  await emulated.close()
})

class Rollback extends Error {}
/** Runs `fn` in a transaction that is always rolled back, so the breakage is seen by nobody else. */
async function inRolledBack<T>(fn: (tx: postgres.TransactionSql) => Promise<T>): Promise<T> {
  let out: T | undefined
  await sql.begin(async (tx) => {
    out = await fn(tx)
    throw new Rollback()
  }).catch((e) => { if (!(e instanceof Rollback)) throw e })
  return out as T
}

const failed = (rs: { ok: boolean; name: string }[]) => rs.filter((r) => !r.ok)

describe('npm run doctor', () => {
  test('every check passes on a healthy deployment (the stack, other tests\' failures set aside)', { timeout: 60_000 }, async () => {
    const { results } = await inRolledBack(async (tx) => {
      // Other test files leave dead letters, failed runs and failed cron runs behind on purpose.
      await tx`update billing.stripe_events set status = 'processed' where status = 'dead'`
      await tx`update billing.stripe_events set api_version_mismatch = false where api_version_mismatch`
      await tx`update billing.workflow_runs set status = 'completed' where status = 'failed'`
      await tx`delete from cron.job_run_details where status = 'failed'`
      await tx`delete from pgmq.q_stripe_events where vt < now() - interval '5 minutes'`
      return runChecks({ sql: tx, stripe: emulatorClient(stackProfile.ports.stripe) })
    })
    expect(failed(results)).toEqual([])
    expect(results.map((r) => r.name)).toEqual(expect.arrayContaining([
      'extension pgmq', 'extension pg_cron', 'extension pg_net', 'extension supabase_vault', 'Vault secret project_url',
      'Vault secret service_role_key', ...EXPECTED_CRON_JOBS.map((j) => `cron job ${j}`), 'queue stripe_events', 'dead letters',
      'failed workflow runs', 'Stripe API key', 'Stripe webhook endpoint', 'Stripe API version', 'function secrets',
    ]))
  })

  test('the expected cron jobs are exactly those the migrations schedule', async () => {
    // A job another test file schedules for a while (tests/stack/platform.test.ts, `testjob_…`) is not the migrations'.
    const jobs = await sql<{ jobname: string }[]>`select jobname from cron.job where jobname not like 'testjob\_%' order by jobname`
    expect(jobs.map((j) => j.jobname)).toEqual([...EXPECTED_CRON_JOBS].sort())
  })

  test('an extension missing or too old fails with the command that fixes it', async () => {
    expect(versionAtLeast('0.14.0-dev', '0.7')).toBe(true)
    expect(versionAtLeast('1.4-1', '1.4')).toBe(true)
    expect(versionAtLeast('1.3.9', '1.4')).toBe(false)
    const [old, absent] = await checkExtensions(sql, { pgmq: '99.0', no_such_extension: '1.0' })
    expect(old).toMatchObject({ ok: false, name: 'extension pgmq', fix: expect.stringContaining('alter extension pgmq update') })
    expect(absent).toMatchObject({ ok: false, detail: 'not installed', fix: expect.stringContaining('create extension if not exists no_such_extension') })
  })

  test('a Vault secret missing fails with the vault.create_secret call', async () => {
    const rs = await inRolledBack(async (tx) => {
      await tx`delete from vault.secrets where name = 'service_role_key'`
      return checkVault(tx)
    })
    expect(failed(rs)).toEqual([expect.objectContaining({ name: 'Vault secret service_role_key', fix: expect.stringContaining("vault.create_secret('<service role key>', 'service_role_key')") })])
  })

  test('a cron job missing, inactive or failing fails with its fix', async () => {
    const [drain, reconcile] = EXPECTED_CRON_JOBS
    const rs = await inRolledBack(async (tx) => {
      await tx`delete from cron.job where jobname = ${drain}`
      const [{ jobid }] = await tx`update cron.job set active = false where jobname = ${reconcile} returning jobid`
      const missing = await checkCronJobs(tx)
      await tx`update cron.job set active = true where jobid = ${jobid}`
      await tx`insert into cron.job_run_details (jobid, status, return_message, start_time, end_time)
        values (${jobid}, 'failed', 'ERROR:  Vault secrets project_url and service_role_key are not set', now() + interval '1 hour', now() + interval '1 hour')`
      return [...missing, ...(await checkCronJobs(tx))]
    })
    expect(rs[0]).toMatchObject({ ok: false, name: `cron job ${drain}`, detail: 'not scheduled', fix: expect.stringContaining('supabase db push') })
    expect(rs[1]).toMatchObject({ ok: false, detail: 'scheduled but inactive', fix: expect.stringContaining('active := true') })
    // The second check's result for the reconcile job (each check lists every expected job in order).
    expect(rs[EXPECTED_CRON_JOBS.length + 1]).toMatchObject({ ok: false, detail: expect.stringContaining('Vault secrets project_url'), fix: expect.stringContaining('cron.job_run_details') })
  })

  test('a backed-up queue, a dead letter and a failed run each fail with the ops call that repairs them', async () => {
    const [queue, failures] = await inRolledBack(async (tx) => {
      await tx`update billing.stripe_events set status = 'processed' where status = 'dead'` // other files' dead letters
      await tx`insert into pgmq.q_stripe_events (vt, message) values (now() - interval '10 minutes', '{}')`
      await tx`insert into billing.stripe_events (id, type, livemode, created, payload, verified_by, status, last_error)
        values ('evt_doctor_dead', 'invoice.paid', false, now(), '{}', 'test', 'dead', 'boom')`
      await tx`insert into billing.workflow_runs (workflow_id, trigger_key, event_name, event, status, failed_step, last_error)
        values ('invoice-paid', 'doctor-test', 'invoice.paid', '{}', 'failed', 'send-receipt', 'smtp down')`
      return [await checkQueues(tx), await checkFailures(tx)]
    })
    expect(queue.find((r) => r.name === 'queue stripe_events')).toMatchObject({ ok: false, fix: expect.stringContaining('stripe-sync-drain') })
    expect(failures[0]).toMatchObject({ ok: false, detail: expect.stringContaining('evt_doctor_dead (invoice.paid, dead 0 min): boom'), fix: expect.stringContaining('ops.retry_dead_letters()') })
    expect(failures[1]).toMatchObject({ ok: false, detail: expect.stringContaining('send-receipt: smtp down'), fix: expect.stringContaining('ops.retry_workflow_run') })
  })

  test('dead letters fail until handled: the count and the oldest are named; dismissed ones (audited) pass; one that dies again fails again', async () => {
    const r = await inRolledBack(async (tx) => {
      await tx`update billing.stripe_events set status = 'processed' where status = 'dead'` // other files' dead letters
      await tx`insert into billing.stripe_events (id, type, livemode, created, payload, verified_by, status, last_error, dead_at)
        values ('evt_doctor_old', 'invoice.paid', false, now(), '{}', 'test', 'dead', 'customer gone', now() - interval '40 days'),
               ('evt_doctor_new', 'invoice.paid', false, now(), '{}', 'test', 'dead', 'boom', null)`
      const open = await checkDeadLetters(tx)
      // The old letter's customer synced since it died: still unhandled, and said to be superseded.
      await tx`update billing.stripe_events set customer_id = 'cus_doctor_old' where id = 'evt_doctor_old'`
      await tx`insert into public.stripe_customers (id, stripe_fetched_at) values ('cus_doctor_old', now() - interval '39 days')`
      const superseded = await checkDeadLetters(tx)
      const noReason = await tx.savepoint((sp) => sp`select ops.dismiss_dead_letter('evt_doctor_old', ' ')`).catch((e: Error) => e.message)
      await tx`select ops.dismiss_dead_letter('evt_doctor_old', 'customer deleted in Stripe; nothing owed')`
      const twice = await tx.savepoint((sp) => sp`select ops.dismiss_dead_letter('evt_doctor_old', 'again')`).catch((e: Error) => e.message)
      const one = await checkDeadLetters(tx)
      await tx`select ops.dismiss_dead_letter('evt_doctor_new', 'resynced the customer by hand')`
      const none = await checkDeadLetters(tx)
      const [{ replayed }] = await tx`select ops.retry_dead_letters() as replayed`
      const [audit] = await tx`select detail from billing.audit_log where action = 'dead_letter.dismissed' and detail ->> 'event_id' = 'evt_doctor_old'`
      // Replayed by hand, then dead again: unhandled again.
      await tx`select ops.replay_event('evt_doctor_new')`
      await tx`update billing.stripe_events set status = 'dead', last_error = 'boom again' where id = 'evt_doctor_new'`
      const again = await checkDeadLetters(tx)
      return { open, superseded, noReason, twice, one, none, replayed, audit, again }
    })
    expect(r.open).toMatchObject({ ok: false, fix: expect.stringContaining("ops.dismiss_dead_letter('<event id>', '<why>')") })
    expect(r.open.detail).toMatch(/^2 unhandled, the oldest dead for 40 days: evt_doctor_old \(invoice\.paid, dead 40 days\): customer gone; evt_doctor_new \(invoice\.paid, dead 0 min\): boom$/)
    expect(r.open.fix).toContain('select * from ops.dead_letters where handled_at is null')
    expect(r.superseded).toMatchObject({ ok: false, detail: expect.stringContaining('boom; 1 of them superseded (their customer was synced since') })
    expect(r.noReason).toMatch(/give a reason/)
    expect(r.twice).toMatch(/dismissed already/)
    expect(r.one).toMatchObject({ ok: false, detail: expect.stringMatching(/^1 unhandled, .*evt_doctor_new .*; also 1 dismissed by an operator/) })
    expect(r.none).toMatchObject({ ok: true, detail: expect.stringMatching(/^none unhandled; 2 dismissed by an operator \(the latest /) })
    expect(r.replayed, 'a dismissed letter is not replayed by retry_dead_letters').toBe(0)
    expect(r.audit.detail).toMatchObject({ type: 'invoice.paid', reason: 'customer deleted in Stripe; nothing owed', last_error: 'customer gone' })
    expect(r.again).toMatchObject({ ok: false, detail: expect.stringMatching(/^1 unhandled, the oldest dead for 0 min: evt_doctor_new .*boom again/) })
  })

  test('a webhook endpoint missing, disabled, short of handled types or at another API version fails', async () => {
    const project = 'https://abcdefghijklmnopqrst.supabase.co'
    const stripe = emulated.stripe
    const none = checkWebhookEndpoint((await checkStripeKey(stripe)).endpoints!, project)
    expect(none).toMatchObject({ ok: false, detail: expect.stringContaining(webhookUrlOf(project)), fix: expect.stringContaining('npm run stripe:setup') })
    const partial = await stripe.webhookEndpoints.create({ url: webhookUrlOf(project), enabled_events: HANDLED_EVENT_TYPES.filter((t) => t !== 'invoice.payment_failed') as never })
    expect(checkWebhookEndpoint((await checkStripeKey(stripe)).endpoints!, project)).toMatchObject({ ok: false, detail: expect.stringContaining('1 handled types: invoice.payment_failed') })
    await stripe.webhookEndpoints.update(partial.id, { enabled_events: [...HANDLED_EVENT_TYPES] as never, disabled: true })
    expect(checkWebhookEndpoint((await checkStripeKey(stripe)).endpoints!, project)).toMatchObject({ ok: false, detail: expect.stringContaining('disabled') })
    await stripe.webhookEndpoints.update(partial.id, { disabled: false })
    expect(checkWebhookEndpoint((await checkStripeKey(stripe)).endpoints!, project).ok).toBe(true)
    await stripe.webhookEndpoints.del(partial.id)
    const old = await stripe.webhookEndpoints.create({ url: webhookUrlOf(project), enabled_events: ['*'], api_version: '2024-06-20' })
    const version = await checkApiVersion(sql, (await checkStripeKey(stripe)).endpoints!, project)
    expect(version).toMatchObject({ ok: false, detail: expect.stringContaining(`${old.id} sends events at 2024-06-20`), fix: expect.stringContaining('npm run stripe:setup') })
  })

  test('events of another API version fail the version check', async () => {
    const r = await inRolledBack(async (tx) => {
      await tx`insert into billing.stripe_events (id, type, api_version, api_version_mismatch, livemode, created, payload, verified_by, status)
        values ('evt_doctor_version', 'invoice.paid', '2020-08-27', true, false, now(), '{}', 'test', 'processed')`
      return checkApiVersion(tx, [], 'http://127.0.0.1:1')
    })
    expect(r).toMatchObject({ ok: false, detail: expect.stringContaining('came at 2020-08-27') })
  })

  test('a wrong service-role key in Vault fails the function check with the vault call', async () => {
    expect((await checkFunctionSecrets(apiUrl, keys.serviceRole)).ok).toBe(true)
    expect(await checkFunctionSecrets(apiUrl, keys.anon)).toMatchObject({ ok: false, detail: expect.stringContaining('does not report secrets') })
    expect(await checkFunctionSecrets(apiUrl, 'not-a-key')).toMatchObject({ ok: false, fix: expect.stringContaining('vault.update_secret') })
    expect(await checkFunctionSecrets('http://127.0.0.1:1', keys.serviceRole)).toMatchObject({ ok: false, fix: expect.stringContaining('functions deploy') })
  })

  test('the functions name each required secret that is unset, for the transport in use', () => {
    const names = ['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRETS', 'EXPORT_SIGNING_SECRET', 'EMAIL_TRANSPORT', 'SMTP_HOST', 'RESEND_API_KEY']
    const saved = Object.fromEntries(names.map((n) => [n, process.env[n]]))
    try {
      for (const n of names) delete process.env[n]
      expect(missingFunctionSecrets()).toEqual(['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRETS', 'EXPORT_SIGNING_SECRET', 'RESEND_API_KEY'])
      Object.assign(process.env, { STRIPE_SECRET_KEY: 'sk', STRIPE_WEBHOOK_SECRETS: 'whsec', EXPORT_SIGNING_SECRET: 'x', SMTP_HOST: 'localhost' })
      expect(missingFunctionSecrets()).toEqual([])
      process.env.EMAIL_TRANSPORT = 'resend'
      expect(missingFunctionSecrets()).toEqual(['RESEND_API_KEY'])
    } finally {
      for (const n of names) if (saved[n] === undefined) delete process.env[n]
      else process.env[n] = saved[n]
    }
  })

  test('the command exits 1 with a bad Stripe key, prints the fix, and never prints a secret', { timeout: 60_000 }, async () => {
    const badKey = 'sk_live_doctor_wrong_key_0123456789' // the emulator refuses live keys, as Stripe refuses a revoked one
    // Its Stripe calls draw from the shared limiter: a live key's bucket, which nothing else in the test stack uses.
    const liveBucket = async () => (await sql<{ refilled_at: Date }[]>`select refilled_at from billing.stripe_rate_limits where bucket = 'live'`)[0].refilled_at
    const before = await liveBucket()
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/doctor.ts')], {
      cwd: ROOT,
      env: { ...process.env, SUPABASE_DB_URL: stackProfile.dbUrl, STRIPE_SECRET_KEY: badKey, STRIPE_API_BASE: `http://127.0.0.1:${stackProfile.ports.stripe}` },
    })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (out += d))
    const code = await new Promise((r) => child.on('close', r))
    expect(code).toBe(1)
    expect(out).toMatch(/✗ Stripe API key: .*\n {4}fix: set STRIPE_SECRET_KEY/)
    expect(out).toContain('✓ Vault secret service_role_key: set')
    for (const secret of [badKey, keys.serviceRole, LOCAL_STRIPE_KEY]) expect(out).not.toContain(secret)
    expect((await liveBucket()).getTime(), 'the doctor took a token from the live bucket').toBeGreaterThan(before.getTime())
  })
})
