// The sync worker: drains the Stripe event queue into the mirror and runs due workflow work.
// Called by pg_cron (through pg_net), by stripe-webhook after each new event, by itself to carry on past
// its CPU or wall budget, and by admins' tools.
import { db, limiterDb, reconnecting } from '../_shared/db.ts'
import { deliverDueEmails } from '../_shared/email/outbox.ts'
import { config } from '../_shared/config.ts'
import { stripeClient } from '../_shared/stripe/client.ts'
import { handleSyncRequest } from '../_shared/pipeline/handler.ts'
import { createGroupSyncer } from '../_shared/sync/syncer.ts'
import { kickSync } from '../_shared/webhook/kick.ts'
import { WORKFLOWS } from '../_shared/workflows/registry.ts'
import { dispatchSyncedEvents } from '../_shared/pipeline/synced-events.ts'
import { stripePerPool } from '../_shared/pipeline/isolate-stripe.ts'

declare const EdgeRuntime: { waitUntil(p: Promise<unknown>): void } | undefined

config()

// Stripe calls take their rate-limit tokens through a pool of their own (see limiterDb); one client per
// isolate (while that pool lives), not one per invocation.
const stripe = stripePerPool(limiterDb, stripeClient)

// A run is driven by the queue and leases, so one that met a dead connection may simply run again.
Deno.serve(reconnecting((req) =>
  handleSyncRequest(req, {
    sql: db('stripe-sync'),
    stripe,
    syncer: ({ coalesce }) => createGroupSyncer({ sql: db('stripe-sync'), stripe: stripe(), coalesce, onSynced: dispatchSyncedEvents(WORKFLOWS) }),
    workflows: WORKFLOWS,
    deliverEmails: deliverDueEmails,
    kick: kickSync,
    // The drain job's watch outlives the answer; Deno keeps a pending promise running locally.
    background: (task) => typeof EdgeRuntime !== 'undefined' && EdgeRuntime.waitUntil(task),
  })
))
