// What a healthy deployment has, kept in one place: the doctor checks the database against it, and
// tests/ops/doctor.test.ts checks it against a database built from supabase/migrations.

/** Extensions the product needs, with the lowest version it works with. */
export const REQUIRED_EXTENSIONS: Record<string, string> = {
  pgmq: '1.4',
  pg_cron: '1.4',
  pg_net: '0.7',
  supabase_vault: '0.2',
}

/** Vault secrets the pg_cron jobs read to call the edge functions (billing.service_role_invoke_function). */
export const REQUIRED_VAULT_SECRETS = ['project_url', 'service_role_key'] as const

/** Every pg_cron job the migrations schedule, by name (Studio's Cron screen shows these). */
export const EXPECTED_CRON_JOBS = [
  'stripe-sync-drain',
  'stripe-sync-reconcile',
  'billing-payment-reminders',
  'billing-trial-reminders',
  'billing-data-deletions',
] as const

/** How many of a job's latest runs must have succeeded. */
export const CRON_RUNS_CHECKED = 3

/** A queue message visible this long without being read means the drain is not keeping up. */
export const QUEUE_STUCK_SECONDS = 300
