// Development only: one edge function in a Deno Worker of its own (its own V8 isolate, heap and event
// loop), as Supabase's edge runtime runs each function in a user worker of its own. The host
// (isolate.ts) starts it with a `load` message; the function's index.ts calls Deno.serve(handler) as it
// would when deployed, and the handler is captured instead of opening a port. Each `request` message is
// then answered with a `response` (the body transferred, not copied) or `threw`.
import type { FromHost, RequestMessage, ToHost } from './protocol.ts'

type Handler = (req: Request, info: Deno.ServeHandlerInfo) => Response | Promise<Response>

const worker = self as unknown as {
  postMessage(m: ToHost, transfer?: Transferable[]): void
  addEventListener(type: string, listener: (e: Event) => void): void
}
const post = (m: ToHost, transfer: Transferable[] = []) => worker.postMessage(m, transfer)

let name = '?'
let handler: Handler | undefined
let loading = false

// Capture instead of listen: the function registers its handler while its module is being loaded.
;(Deno as unknown as { serve: unknown }).serve = (a: unknown, b?: unknown) => {
  const h = (typeof a === 'function' ? a : typeof b === 'function' ? b : (a as { handler?: Handler }).handler) as Handler
  if (!loading || !h) throw new Error('Deno.serve called outside a function module load')
  handler = h
  const addr = { hostname: '127.0.0.1', port: 0, transport: 'tcp' }
  return { finished: new Promise<void>(() => {}), shutdown: async () => {}, ref() {}, unref() {}, addr }
}

// An error thrown outside any request (seen from postgres.js while the database restarts) must not end
// the function: Supabase's edge runtime would restart just that worker. Log and go on.
worker.addEventListener('error', (e) => {
  e.preventDefault()
  const err = e as ErrorEvent
  console.error(`functions: ${name}: uncaught error outside a request (kept running):`, err.error ?? err.message)
})
worker.addEventListener('unhandledrejection', (e) => {
  e.preventDefault()
  console.error(`functions: ${name}: unhandled rejection (kept running):`, (e as PromiseRejectionEvent).reason)
})

/**
 * This worker's OS thread id (Linux; null elsewhere): the gateway's /health lists it, so that a bench can
 * read each function's CPU from /proc/<host>/task/<id> apart from the gateway's and the other functions'.
 */
function threadId(): number | null {
  try {
    return Number(Deno.readTextFileSync('/proc/thread-self/stat').split(' ')[0]) || null
  } catch {
    return null
  }
}

async function load(fn: string, file: string): Promise<void> {
  name = fn
  loading = true
  try {
    await import(`file://${file}`)
    post(handler ? { type: 'ready', thread: threadId() } : { type: 'failed', error: 'index.ts never called Deno.serve' })
  } catch (err) {
    console.error(`functions: ${name} failed to load:`, err)
    post({ type: 'failed', error: err instanceof Error ? err.stack ?? err.message : String(err) })
  } finally {
    loading = false
  }
}

async function serve(m: RequestMessage): Promise<void> {
  let settle = () => {}
  const completed = new Promise<void>((resolve) => settle = resolve)
  try {
    const req = new Request(m.url, { method: m.method, headers: m.headers, body: m.body })
    const res = await handler!(req, { remoteAddr: m.remoteAddr, completed } as Deno.ServeHandlerInfo)
    const body = res.body ? await res.arrayBuffer() : null
    post({ type: 'response', id: m.id, status: res.status, statusText: res.statusText, headers: [...res.headers], body }, body ? [body] : [])
  } catch (err) {
    console.error(`functions: ${name} ${m.method} ${new URL(m.url).pathname} threw:`, err)
    post({ type: 'threw', id: m.id })
  } finally {
    settle()
  }
}

// The host's messages are for this file alone: a library that listens on a worker's global scope
// (Prism, under react-email, takes every message for a highlighting job) must not see them, as no such
// channel exists in the edge runtime. This listener is registered before the function loads, so first.
worker.addEventListener('message', (e) => {
  e.stopImmediatePropagation()
  const m = (e as MessageEvent<FromHost>).data
  if (m.type === 'load') void load(m.name, m.file)
  else void serve(m)
})
