// Receives Stripe's webhooks: verifies, records in the inbox, acknowledges, kicks the sync worker.
import { required } from '../_shared/config.ts'
import { db, reconnecting } from '../_shared/db.ts'
import { handleStripeWebhook } from '../_shared/webhook/handler.ts'
import { kickSync } from '../_shared/webhook/kick.ts'
import { createGroupRecorder, type GroupRecorder } from '../_shared/webhook/group-commit.ts'
import { heapSampler } from '../_shared/webhook/heap-sample.ts'

const secrets = required('STRIPE_WEBHOOK_SECRETS')

// One group recorder per pool: when the pools are renewed after a dead connection, so is the recorder.
let recorder: { sql: unknown; group: GroupRecorder } | undefined
function record(event: Parameters<GroupRecorder['record']>[0]): Promise<boolean> {
  const sql = db('stripe-webhook')
  if (recorder?.sql !== sql) recorder = { sql, group: createGroupRecorder(sql) }
  return recorder.group.record(event)
}

// Its heap, sampled every 25th request, logged at most every 5 s (npm run bench reads the lines).
const sampleHeap = heapSampler('stripe-webhook')

// Concurrent deliveries share one commit (group-commit.ts). Recording is idempotent (one row per event
// id), so a request that met a dead connection runs again.
Deno.serve(reconnecting((req) => {
  sampleHeap()
  return handleStripeWebhook(req, {
    secrets,
    record,
    kick: kickSync,
  })
}))
