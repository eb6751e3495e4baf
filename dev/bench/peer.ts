// The peer `npm run bench` measures against: @supabase/stripe-sync-engine 0.48.5, in a database of its
// own on the bench cluster (its own migrations), its Stripe client pointed at the stack's emulator, behind
// a minimal HTTP server that answers 200 once processWebhook has written the payload (the peer's model:
// the mirror is written at ack, no queue). Not re-fetching (revalidateObjectsViaStripeApi off) and no
// related-entity backfill: the peer's fastest webhook path, the one the figures compare with.
// The server runs in a child process, as our functions host does, so it does not share the load
// generator's event loop.
import { spawn } from 'node:child_process'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
import { profile, type Profile } from '../stack/config.ts'
import { superuser } from '../stack/postgres.ts'
import { LOCAL_STRIPE_KEY, LOCAL_WEBHOOK_SECRET } from '../stack/services.ts'
import { emulatorClient } from '../stack/stripe.ts'
import { STRIPE_API_VERSION } from '../../supabase/functions/_shared/stripe/client.ts'

// Its ESM build resolves its migrations folder with `__dirname`, undefined in ESM, and runMigrations
// swallows the error: the CommonJS build is the one that migrates.
const { runMigrations, StripeSync } = createRequire(import.meta.url)('@supabase/stripe-sync-engine') as typeof import('@supabase/stripe-sync-engine')

export interface Peer { port: number; path: string; pid: number; close(): Promise<void> }

/** The peer's server in a child process; resolves once it listens. */
export async function startPeer(p: Profile): Promise<Peer> {
  const child = spawn(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, p.name], { stdio: ['ignore', 'pipe', 'inherit'] })
  const port = await new Promise<number>((resolve, reject) => {
    let out = ''
    child.stdout.on('data', (d) => {
      out += d
      const m = /peer listening on (\d+)/.exec(out)
      if (m) resolve(Number(m[1]))
    })
    child.once('exit', (code) => reject(new Error(`the peer exited (${code}) before listening`)))
  })
  return {
    port, path: '/webhooks/stripe', pid: child.pid!,
    close: () => new Promise((r) => {
      child.once('exit', () => r())
      child.kill('SIGTERM')
    }),
  }
}

async function serve(p: Profile): Promise<void> {
  const sql = superuser(p)
  await sql`drop database if exists peer`
  await sql`create database peer`
  await sql.end()
  const databaseUrl = p.dbUrl.replace(/\/postgres$/, '/peer')
  await runMigrations({ databaseUrl, schema: 'stripe' })
  const check = superuser({ ...p, dbUrl: databaseUrl })
  const [{ ok }] = await check`select to_regclass('stripe.subscriptions') is not null and to_regclass('stripe.invoices') is not null as ok`
  await check.end()
  if (!ok) throw new Error('the peer\'s migrations did not create its tables')
  const sync = new StripeSync({
    databaseUrl, schema: 'stripe', stripeSecretKey: LOCAL_STRIPE_KEY, stripeWebhookSecret: LOCAL_WEBHOOK_SECRET,
    stripeApiVersion: STRIPE_API_VERSION, backfillRelatedEntities: false, poolConfig: { max: 10 },
  })
  // Its constructor takes no host: the client it would use, pointed at the emulator instead.
  sync.stripe = emulatorClient(p.ports.stripe, { key: LOCAL_STRIPE_KEY })
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      sync.processWebhook(Buffer.concat(chunks), String(req.headers['stripe-signature'] ?? '')).then(
        () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"received":true}'),
        (err: unknown) => {
          console.error(`peer: ${err instanceof Error ? err.message : String(err)}`)
          res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"rejected"}')
        },
      )
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  process.once('SIGTERM', () => server.close(() => void sync.close().finally(() => process.exit(0))))
  console.log(`peer listening on ${(server.address() as AddressInfo).port}`)
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await serve(profile(process.argv[2]))
