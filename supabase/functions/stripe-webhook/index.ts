// Receives Stripe's webhooks: verifies, records in the inbox, acknowledges, kicks the sync worker.
import { required } from '../_shared/config.ts'
import { db } from '../_shared/db.ts'
import { handleStripeWebhook } from '../_shared/webhook/handler.ts'
import { kickSync } from '../_shared/webhook/kick.ts'
import { heapSampler } from '../_shared/webhook/heap-sample.ts'
import { poolRecorder } from '../_shared/webhook/pool-recorder.ts'

const secrets = required('STRIPE_WEBHOOK_SECRETS')

// Concurrent deliveries share one commit (group-commit.ts); a delivery that met a dead connection is
// recorded again on the fresh pool (pool-recorder.ts).
const record = poolRecorder(() => db('stripe-webhook'))

// Its heap, sampled every 25th request, logged at most every 5 s (npm run bench reads the lines).
const sampleHeap = heapSampler('stripe-webhook')

Deno.serve((req) => {
  sampleHeap()
  return handleStripeWebhook(req, {
    secrets,
    record,
    kick: kickSync,
  })
})
