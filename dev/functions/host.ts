// Development only: the local API gateway and edge runtime, standing in for Supabase's. Every
// supabase/functions/<name>/index.ts runs in a Deno Worker of its own (isolate.ts, function-worker.ts):
// its own V8 isolate, heap, event loop and thread, as the edge runtime runs each function in a user
// worker of its own, so one function's CPU bursts never stall another's requests and its thread's CPU
// time is its own (the clock the edge runtime limits by; stripe-sync's budget reads it). The gateway
// (gateway.ts) stays on this thread, routes /functions/v1/<name>/... to the function and /auth/v1/...
// to Auth. Not reproduced: the edge runtime's per-worker limits (256 MB of memory, 2 s of CPU per
// request), which functions respect by their own budgets. Run with
// `deno run -A --config supabase/functions/deno.json dev/functions/host.ts`.
import { createGateway, type FunctionHandler } from './gateway.ts'
import { loadInProcess, serve } from './in-process.ts'
import { startFunction } from './isolate.ts'

const root = Deno.env.get('PROJECT_ROOT') ?? Deno.cwd()
const port = Number(Deno.env.get('GATEWAY_PORT') ?? 54321)
const functionsDir = `${root}/supabase/functions`

const handlers = new Map<string, FunctionHandler>()
const failures = new Map<string, string>()
/** Each function's OS thread (the gateway's own, this process's main thread, for those in its isolate). */
const threads = new Map<string, () => number | null>()

// The webhook's acknowledgement is the hot path (issue 15): a message hop to a worker of its own doubled
// its CPU per request, so it shares the gateway's isolate (no other function's code runs there, so its
// event loop still waits on no other function). FUNCTIONS_IN_GATEWAY (comma-separated) overrides the list;
// `*` puts every function there, one isolate as before (a CPU profile through the inspector sees all).
const inGateway = new Set((Deno.env.get('FUNCTIONS_IN_GATEWAY') ?? 'stripe-webhook').split(',').filter(Boolean))
const runsInGateway = (name: string) => inGateway.has('*') || inGateway.has(name)

const starting: Promise<void>[] = []
for await (const entry of Deno.readDir(functionsDir)) {
  if (!entry.isDirectory || entry.name.startsWith('_') || entry.name.startsWith('.') || entry.name === 'node_modules') continue
  const file = `${functionsDir}/${entry.name}/index.ts`
  try {
    await Deno.stat(file)
  } catch {
    continue
  }
  // A function that fails to load is reported by the gateway (500). Workers load side by side.
  if (runsInGateway(entry.name)) {
    const { handler, failure } = await loadInProcess(entry.name, file)
    if (handler) handlers.set(entry.name, handler)
    else failures.set(entry.name, failure!)
    threads.set(entry.name, () => Deno.pid)
    continue
  }
  const fn = startFunction(entry.name, file)
  threads.set(entry.name, fn.thread)
  starting.push(fn.ready.then((failure) => {
    if (failure) failures.set(entry.name, failure)
    else handlers.set(entry.name, fn.handler)
  }))
}
await Promise.all(starting)

const gateway = createGateway({
  root,
  authPort: Number(Deno.env.get('AUTH_PORT') ?? 54325),
  jwtSecret: Deno.env.get('JWT_SECRET') ?? '',
  apiKeys: [Deno.env.get('SUPABASE_ANON_KEY') ?? '', Deno.env.get('SUPABASE_SERVICE_ROLE_KEY') ?? ''].filter(Boolean),
  handlers,
  failures,
  threads,
})

serve({ port, hostname: '127.0.0.1', onListen: () => console.log(`gateway and functions on 127.0.0.1:${port}: ${[...handlers.keys()].sort().join(', ')}`) }, gateway)

// The gateway's own errors outside a request must not take the local runtime down either.
globalThis.addEventListener('error', (e) => {
  e.preventDefault()
  console.error('functions: uncaught error outside a request in the gateway (kept running):', e.error ?? e.message)
})
globalThis.addEventListener('unhandledrejection', (e) => {
  e.preventDefault()
  console.error('functions: unhandled rejection in the gateway (kept running):', e.reason)
})

// Functions may hold database pools open; end promptly when the stack stops.
for (const sig of ['SIGTERM', 'SIGINT'] as const) Deno.addSignalListener(sig, () => Deno.exit(0))
