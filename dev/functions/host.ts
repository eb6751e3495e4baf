// Development only: the local API gateway and edge runtime in one Deno process, standing in for
// Supabase's. Every supabase/functions/<name>/index.ts calls Deno.serve(handler) as it would when
// deployed; the host captures that handler instead of opening a port, and gateway.ts routes
// /functions/v1/<name>/... to it in-process (and /auth/v1/... to Auth). Run with
// `deno run -A --config supabase/functions/deno.json dev/functions/host.ts`.
import { createGateway } from './gateway.ts'

type Handler = (req: Request, info: Deno.ServeHandlerInfo) => Response | Promise<Response>

const root = Deno.env.get('PROJECT_ROOT') ?? Deno.cwd()
const port = Number(Deno.env.get('GATEWAY_PORT') ?? 54321)
const functionsDir = `${root}/supabase/functions`

const handlers = new Map<string, Handler>()
const failures = new Map<string, string>()
let loading: string | undefined

// Capture instead of listen: the function module registers its handler under the name being loaded.
const captureServe = (a: unknown, b?: unknown) => {
  const handler = (typeof a === 'function' ? a : typeof b === 'function' ? b : (a as { handler?: Handler }).handler) as Handler
  if (!loading || !handler) throw new Error('Deno.serve called outside a function module load')
  handlers.set(loading, handler)
  return { finished: new Promise<void>(() => {}), shutdown: async () => {}, ref() {}, unref() {}, addr: { hostname: '127.0.0.1', port, transport: 'tcp' } }
}
const realServe = Deno.serve.bind(Deno)
;(Deno as unknown as { serve: unknown }).serve = captureServe

for await (const entry of Deno.readDir(functionsDir)) {
  if (!entry.isDirectory || entry.name.startsWith('_') || entry.name.startsWith('.') || entry.name === 'node_modules') continue
  const file = `${functionsDir}/${entry.name}/index.ts`
  try {
    await Deno.stat(file)
  } catch {
    continue
  }
  loading = entry.name
  try {
    await import(`file://${file}`)
    if (!handlers.has(entry.name)) failures.set(entry.name, 'index.ts never called Deno.serve')
  } catch (err) {
    failures.set(entry.name, err instanceof Error ? err.stack ?? err.message : String(err))
    console.error(`functions: ${entry.name} failed to load:`, err)
  }
}
loading = undefined

const gateway = createGateway({
  root,
  authPort: Number(Deno.env.get('AUTH_PORT') ?? 54325),
  jwtSecret: Deno.env.get('JWT_SECRET') ?? '',
  apiKeys: [Deno.env.get('SUPABASE_ANON_KEY') ?? '', Deno.env.get('SUPABASE_SERVICE_ROLE_KEY') ?? ''].filter(Boolean),
  handlers,
  failures,
})

realServe({ port, hostname: '127.0.0.1', onListen: () => console.log(`gateway and functions on 127.0.0.1:${port}: ${[...handlers.keys()].join(', ')}`) }, gateway)

// An error thrown outside any request (seen from postgres.js while the database restarts) must not take
// the whole local runtime down: Supabase's edge runtime would restart just that worker. Log and go on.
globalThis.addEventListener('error', (e) => {
  e.preventDefault()
  console.error('functions: uncaught error outside a request (kept running):', e.error ?? e.message)
})
globalThis.addEventListener('unhandledrejection', (e) => {
  e.preventDefault()
  console.error('functions: unhandled rejection (kept running):', e.reason)
})

// Functions may hold database pools open; end promptly when the stack stops.
for (const sig of ['SIGTERM', 'SIGINT'] as const) Deno.addSignalListener(sig, () => Deno.exit(0))
