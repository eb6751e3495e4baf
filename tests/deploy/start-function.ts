// Run under Deno by self-contained.test.ts, from a folder that holds only this file and a copy of
// supabase/: loads one function as the edge runtime does (its index.ts calls Deno.serve), hands its
// handler one request, and prints the answer as JSON. No imports, so nothing here reaches the repo.
//   deno run -A --config supabase/functions/deno.json start-function.ts <name> <method> <path>
type Handler = (req: Request, info: unknown) => Response | Promise<Response>
const deno = (globalThis as unknown as { Deno: { args: string[]; cwd(): string; exit(code: number): never; serve: unknown } }).Deno

const [name, method, path] = deno.args
let handler: Handler | undefined
deno.serve = (a: unknown, b?: unknown) => {
  handler = (typeof a === 'function' ? a : typeof b === 'function' ? b : (a as { handler?: Handler }).handler) as Handler
  return { finished: new Promise<void>(() => {}), shutdown: async () => {}, ref() {}, unref() {}, addr: { hostname: '127.0.0.1', port: 0, transport: 'tcp' } }
}

await import(`file://${deno.cwd()}/supabase/functions/${name}/index.ts`)
if (!handler) throw new Error(`${name}/index.ts never called Deno.serve`)
const res = await handler(new Request(`http://127.0.0.1/${name}${path}`, { method }), { remoteAddr: { hostname: '127.0.0.1', port: 0, transport: 'tcp' } })
console.log(JSON.stringify({ status: res.status, body: (await res.text()).slice(0, 300) }))
// An open database pool would keep the process alive.
deno.exit(0)
