// `npm start` runs this: the Stripe emulator on STRIPE_EMULATOR_PORT (12111), delivering webhooks to
// STRIPE_WEBHOOK_URL signed with STRIPE_WEBHOOK_SECRET. DEVELOPMENT ONLY: it stands in for Stripe,
// which this machine cannot reach; production talks to api.stripe.com.
import { startEmulator } from './server.ts'

const port = Number(process.env.STRIPE_EMULATOR_PORT ?? 12111)
const running = await startEmulator({
  port,
  publicUrl: process.env.STRIPE_EMULATOR_PUBLIC_URL ?? `http://127.0.0.1:${port}`,
  webhookUrl: process.env.STRIPE_WEBHOOK_URL || undefined,
  webhookSecret: process.env.STRIPE_WEBHOOK_SECRET || undefined,
  snapshotPath: process.env.STRIPE_EMULATOR_SNAPSHOT || undefined,
  retryBaseMs: Number(process.env.STRIPE_EMULATOR_RETRY_BASE_MS ?? 1000),
})
console.log(`stripe emulator (development only) listening on ${running.url}; webhooks → ${process.env.STRIPE_WEBHOOK_URL ?? '(none)'}`)
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.on(sig, () => void running.close().then(() => process.exit(0)))
}
