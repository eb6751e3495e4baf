// The web app's backend: organizations, the billing overview (read as the caller under RLS),
// Checkout, the billing portal, sync-now and the GDPR export link. See _shared/billing/.
import { db, limiterDb, reconnecting } from '../_shared/db.ts'
import { config, required } from '../_shared/config.ts'
import { handleBilling } from '../_shared/billing/handler.ts'
import { stripeClient } from '../_shared/stripe/client.ts'
import { createGroupSyncer } from '../_shared/sync/syncer.ts'
import { WORKFLOWS } from '../_shared/workflows/registry.ts'
import { dispatchSyncedEvents } from '../_shared/pipeline/synced-events.ts'

const stripe = () => ({ stripe: stripeClient(limiterDb()) })

config()
const handle = (req: Request) =>
  handleBilling(req, {
    sql: db('billing'),
    stripe,
    syncer: () => createGroupSyncer({ sql: db('billing'), stripe: stripe(), onSynced: dispatchSyncedEvents(WORKFLOWS) }),
    appUrl: config().APP_URL,
    apiUrl: required('SUPABASE_URL'),
    exportSecret: required('EXPORT_SIGNING_SECRET'),
    // The legacy shared secret when set; the project's published signing keys otherwise.
    jwt: { secret: config().JWT_SECRET, jwksUrl: `${required('SUPABASE_URL')}/auth/v1/.well-known/jwks.json` },
  })
const handleAgain = reconnecting(handle)

// Reads may run again after a dead connection; changes are left to the user to retry.
Deno.serve((req) => (req.method === 'GET' ? handleAgain(req) : handle(req)))
