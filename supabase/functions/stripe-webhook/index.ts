// Receives Stripe's webhooks: verifies, records in the inbox, acknowledges, kicks the sync worker.
import { required } from '../_shared/config.ts'
import { db, reconnecting } from '../_shared/db.ts'
import { handleStripeWebhook } from '../_shared/webhook/handler.ts'
import { kickSync } from '../_shared/webhook/kick.ts'
import { recordEvent } from '../_shared/webhook/record.ts'

const secrets = required('STRIPE_WEBHOOK_SECRETS')

// Recording is idempotent (one row per event id), so a request that met a dead connection runs again.
Deno.serve(reconnecting((req) =>
  handleStripeWebhook(req, {
    secrets,
    record: (event) => recordEvent(db('stripe-webhook'), event),
    kick: kickSync,
  }),
))
