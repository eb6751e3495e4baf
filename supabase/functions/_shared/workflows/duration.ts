// Durations as Inngest writes them ('3d', '12h', '30m', '10s', '500ms') or as milliseconds.

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }

export type Duration = string | number

export function toMs(d: Duration): number {
  if (typeof d === 'number') {
    if (!Number.isFinite(d) || d < 0) throw new Error(`invalid duration ${d}`)
    return d
  }
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)$/.exec(d.trim())
  if (!m) throw new Error(`invalid duration "${d}" (use e.g. 3d, 12h, 30m)`)
  return Math.round(Number(m[1]) * UNITS[m[2]])
}
