// How much one stripe-sync invocation may spend before it stops and hands the rest to a fresh
// invocation: hosted edge functions are killed past 2 s of CPU per request and a wall-clock limit
// (150 s free, 400 s paid), so the worker stops well inside both, whatever the backlog.
//
// CPU time is read from the isolate's own thread where Linux shows it (/proc/thread-self/schedstat: the
// thread's time on CPU in ns, the clock CLOCK_THREAD_CPUTIME_ID reads). That is the clock Supabase's
// edge runtime limits a worker by (its supervisor adds up the worker thread's CPU time while the isolate
// runs; V8's background threads are not counted there either), and it counts everything else this
// thread runs too, so it can only over-count this invocation's share. Elsewhere (no /proc, or no read
// permission, as in a hosted sandbox) `process.cpuUsage()` is read: the whole process, an over-count
// too. Either way the budget trips early, never late. Where the runtime cannot read CPU time the clock
// says so (`clock: 'wall'`) and the CPU budget is applied to wall time instead, which is stricter still
// (CPU time never exceeds wall time for a single-threaded isolate).
import { config } from '../config.ts'

export interface SyncLimits {
  /** Stop taking work after this much CPU time (SYNC_CPU_BUDGET_MS, default 1000). */
  cpuBudgetMs: number
  /** Stop taking work after this much wall time (SYNC_WALL_BUDGET_MS, default 50000). */
  wallBudgetMs: number
  /** pgmq visibility timeout of a read batch, renewed while a live worker holds it (SYNC_VISIBILITY_SECONDS, default 10). */
  visibilitySeconds: number
}

/** Short, so a dead worker's messages come back soon; live workers renew it every third of it. */
export const DEFAULT_VISIBILITY_SECONDS = 10

/** The limits from the configuration (config.ts validates them; a wrong value names its variable). */
export function syncLimits(): SyncLimits {
  const c = config()
  return { cpuBudgetMs: c.SYNC_CPU_BUDGET_MS, wallBudgetMs: c.SYNC_WALL_BUDGET_MS, visibilitySeconds: c.SYNC_VISIBILITY_SECONDS }
}

type CpuUsage = () => { user: number; system: number }

/** The calling thread's CPU time in ms (Linux, Deno), or null where it cannot be read. */
function readThreadCpuMs(): number | null {
  try {
    const deno = (globalThis as { Deno?: { readTextFileSync(path: string): string } }).Deno
    const ms = Number(deno!.readTextFileSync('/proc/thread-self/schedstat').split(' ')[0]) / 1e6
    return Number.isFinite(ms) && ms > 0 ? ms : null
  } catch {
    // Not Linux, not Deno, or no permission to read /proc.
    return null
  }
}

function readProcessCpuMs(): number | null {
  try {
    const proc = (globalThis as { process?: { cpuUsage?: CpuUsage } }).process
    if (typeof proc?.cpuUsage !== 'function') return null
    const u = proc.cpuUsage()
    const ms = (u.user + u.system) / 1000
    return Number.isFinite(ms) ? ms : null
  } catch {
    // A runtime that defines process.cpuUsage but cannot serve it (no such op): use wall time.
    return null
  }
}

function heapUsedBytes(): number | null {
  try {
    const deno = (globalThis as { Deno?: { memoryUsage?: () => { heapUsed: number } } }).Deno
    if (deno?.memoryUsage) return deno.memoryUsage().heapUsed
    const proc = (globalThis as { process?: { memoryUsage?: () => { heapUsed: number } } }).process
    return proc?.memoryUsage ? proc.memoryUsage().heapUsed : null
  } catch {
    return null
  }
}

export interface Usage {
  clock: 'cpu' | 'wall'
  cpuMs: number
  wallMs: number
  /** Highest V8 heap in use seen during the invocation (sampled), in MB; null where unreadable. */
  heapPeakMb: number | null
}

/** A CPU clock in ms; `perThread`: it counts only the calling thread, so it never runs faster than wall time. */
type CpuClock = { readCpuMs: () => number | null; perThread: boolean }

/** Heap samples closer together than this add cost (an op per read), not information. */
const HEAP_SAMPLE_EVERY_MS = 20

/** One invocation's spending, against its CPU and wall budgets. */
export class Budget {
  readonly clock: 'cpu' | 'wall'
  /** The CPU clock of this invocation, chosen once: its readings must compare with each other. */
  private readonly readCpuMs: () => number | null
  private readonly perThread: boolean
  private readonly cpu0: number
  private readonly wall0 = performance.now()
  /** The last CPU reading (since cpu0) and the wall time it was taken at. */
  private lastCpu = 0
  private lastCpuAt = 0
  private heapPeak: number | null = null
  private heapAt = Number.NEGATIVE_INFINITY

  /** `clock`: tests only; by default the thread's clock, else the process's, else none (wall). */
  constructor(readonly cpuBudgetMs: number, readonly wallBudgetMs: number, clock?: CpuClock) {
    let cpu = clock ? clock.readCpuMs() : readThreadCpuMs()
    this.perThread = clock ? clock.perThread : cpu !== null
    this.readCpuMs = clock ? clock.readCpuMs : cpu === null ? readProcessCpuMs : readThreadCpuMs
    if (!clock) cpu ??= readProcessCpuMs()
    this.clock = cpu === null ? 'wall' : 'cpu'
    this.cpu0 = cpu ?? 0
    this.sampleHeap(true)
  }

  wallMs(): number {
    return performance.now() - this.wall0
  }

  cpuMs(): number {
    if (this.clock === 'wall') return this.wallMs()
    // Wall time first: spent()'s bound counts from it, so it must not be later than the reading.
    const wall = this.wallMs()
    // A clock that stops answering mid-invocation: wall time, never less than this thread's CPU time.
    const cpu = this.readCpuMs()
    this.lastCpu = cpu === null ? wall : cpu - this.cpu0
    this.lastCpuAt = wall
    return this.lastCpu
  }

  /** `force`: sample now, however recent the last sample. */
  sampleHeap(force = false): void {
    const now = performance.now()
    if (!force && now - this.heapAt < HEAP_SAMPLE_EVERY_MS) return
    this.heapAt = now
    const h = heapUsedBytes()
    if (h !== null) this.heapPeak = Math.max(this.heapPeak ?? 0, h)
  }

  /**
   * Which budget is spent, if any: the caller stops taking new work. Called per group on the hot path,
   * so a thread's clock is read only when it could have crossed the budget: a thread spends at most
   * the wall time passed since the last reading, so below that bound the budget cannot be spent yet
   * (still early, never late). A process's clock (several threads) is read on every call.
   */
  spent(): 'cpu' | 'budget' | null {
    this.sampleHeap()
    const wall = this.wallMs()
    if (wall > this.wallBudgetMs) return 'budget'
    if (this.perThread && this.clock === 'cpu' && this.lastCpu + (wall - this.lastCpuAt) <= this.cpuBudgetMs) return null
    if (this.cpuMs() > this.cpuBudgetMs) return 'cpu'
    return null
  }

  usage(): Usage {
    this.sampleHeap(true)
    const mb = this.heapPeak === null ? null : Math.round((this.heapPeak / 1048576) * 10) / 10
    return { clock: this.clock, cpuMs: Math.round(this.cpuMs()), wallMs: Math.round(this.wallMs()), heapPeakMb: mb }
  }
}
