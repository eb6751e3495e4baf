// How much one stripe-sync invocation may spend before it stops and hands the rest to a fresh
// invocation: hosted edge functions are killed past 2 s of CPU per request and a wall-clock limit
// (150 s free, 400 s paid), so the worker stops well inside both, whatever the backlog.
//
// CPU time is read with `process.cpuUsage()` (Deno 2 and Node; user + system time of the whole process).
// It counts every request the process serves at the same moment, so it can only over-count this
// invocation's share: the budget then trips early, never late. Where the runtime cannot read CPU time
// the clock says so (`clock: 'wall'`) and the CPU budget is applied to wall time instead, which is
// stricter still (CPU time never exceeds wall time for a single-threaded isolate).
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

function readCpuMs(): number | null {
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

/** One invocation's spending, against its CPU and wall budgets. */
export class Budget {
  readonly clock: 'cpu' | 'wall'
  private readonly cpu0: number
  private readonly wall0 = performance.now()
  private heapPeak: number | null = null

  constructor(readonly cpuBudgetMs: number, readonly wallBudgetMs: number) {
    const cpu = readCpuMs()
    this.clock = cpu === null ? 'wall' : 'cpu'
    this.cpu0 = cpu ?? 0
    this.sampleHeap()
  }

  wallMs(): number {
    return performance.now() - this.wall0
  }

  cpuMs(): number {
    return this.clock === 'cpu' ? (readCpuMs() ?? this.cpu0) - this.cpu0 : this.wallMs()
  }

  sampleHeap(): void {
    const h = heapUsedBytes()
    if (h !== null) this.heapPeak = Math.max(this.heapPeak ?? 0, h)
  }

  /** Which budget is spent, if any: the caller stops taking new work. */
  spent(): 'cpu' | 'budget' | null {
    this.sampleHeap()
    if (this.wallMs() > this.wallBudgetMs) return 'budget'
    if (this.cpuMs() > this.cpuBudgetMs) return 'cpu'
    return null
  }

  usage(): Usage {
    this.sampleHeap()
    const mb = this.heapPeak === null ? null : Math.round((this.heapPeak / 1048576) * 10) / 10
    return { clock: this.clock, cpuMs: Math.round(this.cpuMs()), wallMs: Math.round(this.wallMs()), heapPeakMb: mb }
  }
}
