// Development only: the gateway's side of one function's worker (function-worker.ts). Supabase's edge
// runtime runs each function in a user worker of its own, so one function's CPU bursts, garbage
// collection or blocking work never stall another's requests, and each is limited by its own CPU time
// (per worker thread). The local host does the same with one Deno Worker per function: the webhook's
// acknowledgements no longer wait behind the sync worker's event loop. Requests and responses cross as
// messages; a worker that dies is started again, its requests in flight answered with an error.
import type { FunctionHandler } from './gateway.ts'
import type { FromHost, RequestMessage, ToHost } from './protocol.ts'

type Answer = { resolve: (res: Response) => void; reject: (err: Error) => void }

const WORKER_URL = new URL('./function-worker.ts', import.meta.url)

export interface FunctionIsolate {
  /** Resolves once the function has loaded: undefined, or why it failed to (then it serves nothing). */
  ready: Promise<string | undefined>
  handler: FunctionHandler
  /** The OS thread id of its worker (Linux), once loaded; a worker started again has a new one. */
  thread(): number | null
}

/** Starts `name`'s worker, loading `file` (its index.ts) in it. */
export function startFunction(name: string, file: string): FunctionIsolate {
  const pending = new Map<number, Answer>()
  let nextId = 1
  let worker: Worker
  let loaded = false
  let thread: number | null = null

  const spawn = (): Promise<string | undefined> =>
    new Promise((settle) => {
      const w = worker = new Worker(WORKER_URL, { type: 'module', name: `fn:${name}` })
      w.onmessage = (e: MessageEvent<ToHost>) => {
        const m = e.data
        if (m.type === 'ready') {
          loaded = true
          thread = m.thread
          settle(undefined)
        } else if (m.type === 'failed') {
          w.terminate()
          settle(m.error)
        } else {
          const answer = pending.get(m.id)
          pending.delete(m.id)
          if (m.type === 'threw') answer?.reject(new Error(`${name} threw an unhandled error (logged above)`))
          else answer?.resolve(new Response(m.body, { status: m.status, statusText: m.statusText, headers: m.headers }))
        }
      }
      // An error the worker did not handle ends it (its own listeners keep errors outside requests from
      // doing so): fail what it was serving and start it again, as the edge runtime starts a new worker.
      w.onerror = (e) => {
        e.preventDefault()
        console.error(`functions: ${name}'s worker died (${e.message}); starting it again`)
        w.terminate()
        for (const answer of pending.values()) answer.reject(new Error(`${name}'s worker died: ${e.message}`))
        pending.clear()
        if (!loaded) return settle(e.message)
        current = spawn()
      }
      w.postMessage({ type: 'load', name, file } satisfies FromHost)
    })

  let current = spawn()

  const handler: FunctionHandler = async (req, url, info) => {
    const failure = await current
    if (failure) throw new Error(`${name} is not running: ${failure}`)
    // Read whole (Deno's native path; req.body would build a stream first); an empty body crosses as none.
    const bytes = req.method !== 'GET' && req.method !== 'HEAD' ? await req.arrayBuffer() : null
    const body = bytes?.byteLength ? bytes : null
    const id = nextId++
    const message: RequestMessage = {
      type: 'request',
      id,
      url,
      method: req.method,
      headers: [...req.headers],
      body,
      remoteAddr: { transport: 'tcp', hostname: (info.remoteAddr as Deno.NetAddr).hostname, port: (info.remoteAddr as Deno.NetAddr).port },
    }
    return new Promise<Response>((resolve, reject) => {
      pending.set(id, { resolve, reject })
      worker.postMessage(message, body ? [body] : [])
    })
  }

  return { ready: current, handler, thread: () => thread }
}
