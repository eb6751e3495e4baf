// Development only: serves every supabase/functions/<name>/index.ts from one Deno process, standing in
// for Supabase's edge runtime. Each function calls Deno.serve(handler) as it would when deployed; the
// host captures that handler instead of opening a port, and routes /<name>/... to it. Run with
// `deno run -A --config supabase/functions/deno.json dev/functions/host.ts`.

type Handler = (req: Request, info: Deno.ServeHandlerInfo) => Response | Promise<Response>

const root = Deno.env.get('PROJECT_ROOT') ?? Deno.cwd()
const port = Number(Deno.env.get('FUNCTIONS_PORT') ?? 54326)
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

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })

realServe({ port, hostname: '127.0.0.1', onListen: () => console.log(`functions host on 127.0.0.1:${port}: ${[...handlers.keys()].join(', ')}`) }, async (req, info) => {
  const url = new URL(req.url)
  if (url.pathname === '/_host/health') return json(200, { functions: [...handlers.keys()], failed: Object.fromEntries(failures) })
  const name = url.pathname.split('/')[1]
  const handler = handlers.get(name)
  if (!handler) {
    const why = failures.get(name)
    return why ? json(500, { code: 'BOOT_ERROR', message: `Function ${name} failed to start`, detail: why }) : json(404, { code: 'NOT_FOUND', message: `Requested function was not found: ${name}` })
  }
  try {
    return await handler(req, info)
  } catch (err) {
    console.error(`functions: ${name} ${req.method} ${url.pathname} threw:`, err)
    return json(500, { code: 'WORKER_ERROR', message: 'Function threw an unhandled error' })
  }
})

// Functions may hold database pools open; end promptly when the stack stops.
for (const sig of ['SIGTERM', 'SIGINT'] as const) Deno.addSignalListener(sig, () => Deno.exit(0))
