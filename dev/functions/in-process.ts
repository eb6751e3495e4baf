// Development only: a function loaded into the gateway's own isolate (host.ts decides which), its
// Deno.serve(handler) captured instead of opening a port, as function-worker.ts does in a worker. No
// message hop: for the one hot path whose cost per request the hop would double (see host.ts).
import type { FunctionHandler } from './gateway.ts'

type Handler = (req: Request, info: Deno.ServeHandlerInfo) => Response | Promise<Response>

let loading: { handler?: Handler } | undefined
const realServe = Deno.serve.bind(Deno)
;(Deno as unknown as { serve: unknown }).serve = (a: unknown, b?: unknown) => {
  const h = (typeof a === 'function' ? a : typeof b === 'function' ? b : (a as { handler?: Handler }).handler) as Handler
  if (!loading || !h) throw new Error('Deno.serve called outside a function module load')
  loading.handler = h
  const addr = { hostname: '127.0.0.1', port: 0, transport: 'tcp' }
  return { finished: new Promise<void>(() => {}), shutdown: async () => {}, ref() {}, unref() {}, addr }
}

/** The real Deno.serve, for the gateway itself. */
export const serve = realServe

/**
 * The function's view of the gateway's request: the same Request, with the function's own URL
 * (/<name>/...), and so are its clones. Not a copy: building a new Request from the gateway's (its
 * headers converted one by one, its body wrapped in another stream) was a tenth of the host's main-thread
 * CPU per webhook, and `new Request(url, req)` more (every member copied, its signal aborted with an
 * exception at each response).
 */
function forFunction(req: Request, url: string): Request {
  const clone = req.clone.bind(req)
  return Object.defineProperties(req, { url: { value: url }, clone: { value: () => forFunction(clone(), url) } })
}

/** Loads `file` here: its handler, or why it failed to load. */
export async function loadInProcess(name: string, file: string): Promise<{ handler?: FunctionHandler; failure?: string }> {
  const slot: { handler?: Handler } = {}
  loading = slot
  try {
    await import(`file://${file}`)
    const fn = slot.handler
    return fn ? { handler: async (req, url, info) => await fn(forFunction(req, url), info) } : { failure: 'index.ts never called Deno.serve' }
  } catch (err) {
    console.error(`functions: ${name} failed to load:`, err)
    return { failure: err instanceof Error ? err.stack ?? err.message : String(err) }
  } finally {
    loading = undefined
  }
}
