// A V8 CPU profile of a process that opened its inspector (--inspect), over the Chrome DevTools
// protocol, and a summary of where the time went. Development only (dev/profile/cpu.ts).
import WebSocket from 'ws'

interface CallFrame { functionName: string; url: string; lineNumber: number }
interface ProfileNode { id: number; callFrame: CallFrame }
export interface CpuProfile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }

export async function connectInspector(hostPort: string) {
  const targets = (await (await fetch(`http://${hostPort}/json/list`)).json()) as { webSocketDebuggerUrl: string }[]
  const ws = new WebSocket(targets[0].webSocketDebuggerUrl)
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
  let next = 1
  const pending = new Map<number, (r: unknown) => void>()
  ws.on('message', (data) => {
    const msg = JSON.parse(String(data)) as { id?: number; result?: unknown }
    if (msg.id !== undefined) pending.get(msg.id)?.(msg.result)
  })
  const call = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<unknown>((resolve) => {
      const id = next++
      pending.set(id, resolve)
      ws.send(JSON.stringify({ id, method, params }))
    })
  return {
    async start() {
      await call('Profiler.enable')
      await call('Profiler.setSamplingInterval', { interval: 250 })
      await call('Profiler.start')
    },
    async stop(): Promise<CpuProfile> {
      const { profile } = (await call('Profiler.stop')) as { profile: CpuProfile }
      ws.close()
      return profile
    },
  }
}

/** Where a frame's code comes from: an npm package, a project file, Deno's runtime, or V8 itself. */
function sourceOf(url: string): string {
  const npm = /\/npm\/registry\.npmjs\.org\/((?:@[^/]+\/)?[^/]+)\//.exec(url) ?? /node_modules\/(?:\.deno\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)\//.exec(url)
  if (npm) return `npm:${npm[1]}`
  if (url.startsWith('ext:')) return url.split('/')[0] + '/' + (url.split('/')[1] ?? '')
  const i = url.indexOf('/supabase/functions/')
  if (i >= 0) return url.slice(i + 1)
  const d = url.indexOf('/dev/')
  if (d >= 0) return url.slice(d + 1)
  return url || '(native)'
}

/** The top self times (ms, share of the samples) by function and by source. */
export function summarise(prof: CpuProfile, top: number): string {
  const byNode = new Map<number, number>()
  prof.samples.forEach((id, i) => byNode.set(id, (byNode.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0) / 1000))
  const nodes = new Map(prof.nodes.map((n) => [n.id, n]))
  const byFn = new Map<string, number>()
  const bySource = new Map<string, number>()
  let busy = 0
  for (const [id, ms] of byNode) {
    const f = nodes.get(id)!.callFrame
    if (f.functionName === '(idle)') continue
    busy += ms
    const src = f.url ? sourceOf(f.url) : f.functionName
    const fn = `${f.functionName || '(anonymous)'} ${src}${f.url ? `:${f.lineNumber + 1}` : ''}`
    byFn.set(fn, (byFn.get(fn) ?? 0) + ms)
    bySource.set(src, (bySource.get(src) ?? 0) + ms)
  }
  const table = (m: Map<string, number>) =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, ms]) => `  ${ms.toFixed(0).padStart(7)} ms ${((100 * ms) / busy).toFixed(1).padStart(5)}%  ${k}`).join('\n')
  return `busy (sampled, not idle): ${busy.toFixed(0)} ms\nby source (self time):\n${table(bySource)}\nby function (self time):\n${table(byFn)}`
}
