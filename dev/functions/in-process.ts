// Development only: a function loaded into the gateway's own isolate (host.ts decides which), its
// Deno.serve(handler) captured instead of opening a port, as function-worker.ts does in a worker. No
// message hop: for the one hot path whose cost per request the hop would double (see host.ts).
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

/** Loads `file` here: its handler, or why it failed to load. */
export async function loadInProcess(name: string, file: string): Promise<{ handler?: Handler; failure?: string }> {
  const slot: { handler?: Handler } = {}
  loading = slot
  try {
    await import(`file://${file}`)
    return slot.handler ? { handler: slot.handler } : { failure: 'index.ts never called Deno.serve' }
  } catch (err) {
    console.error(`functions: ${name} failed to load:`, err)
    return { failure: err instanceof Error ? err.stack ?? err.message : String(err) }
  } finally {
    loading = undefined
  }
}
