// Inline SVG charts for the bench's HTML report: grouped bars and lines/dots, axes with a few ticks.
const W = 720
const H = 280
const PAD = { l: 56, r: 16, t: 32, b: 48 }
const COLORS = ['#2563eb', '#f97316', '#60a5fa', '#fdba74', '#16a34a']
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

/** A round upper bound and tick step for values up to `max`. */
function scale(max: number): { top: number; step: number } {
  const raw = Math.max(max, 1e-9) / 4
  const mag = 10 ** Math.floor(Math.log10(raw))
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!
  return { top: step * Math.ceil(max / step || 1), step }
}

function frame(title: string, yTop: number, yStep: number, body: string, legend: string[], xAxis: string): string {
  const y = (v: number) => PAD.t + (H - PAD.t - PAD.b) * (1 - v / yTop)
  const ticks: string[] = []
  for (let v = 0; v <= yTop + 1e-9; v += yStep) {
    ticks.push(`<line x1="${PAD.l}" x2="${W - PAD.r}" y1="${y(v)}" y2="${y(v)}" stroke="#e5e7eb"/><text x="${PAD.l - 6}" y="${y(v) + 4}" text-anchor="end">${Number(v.toPrecision(4))}</text>`)
  }
  const keys = legend.map((n, i) => `<rect x="${PAD.l + i * 110}" y="${H - 14}" width="10" height="10" fill="${COLORS[i % COLORS.length]}"/><text x="${PAD.l + i * 110 + 14}" y="${H - 5}">${esc(n)}</text>`)
  return `<figure><svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="sans-serif" font-size="11" role="img" aria-label="${esc(title)}">
<text x="${PAD.l}" y="18" font-size="13" font-weight="bold">${esc(title)}</text>${ticks.join('')}${xAxis}${body}${keys.join('')}</svg></figure>`
}

export function bars(title: string, groups: string[], series: { name: string; values: number[] }[]): string {
  const { top, step } = scale(Math.max(...series.flatMap((s) => s.values)))
  const plotW = W - PAD.l - PAD.r
  const gw = plotW / Math.max(groups.length, 1)
  const bw = (gw * 0.8) / Math.max(series.length, 1)
  const y = (v: number) => PAD.t + (H - PAD.t - PAD.b) * (1 - v / top)
  const body = series.flatMap((s, si) => s.values.map((v, gi) => {
    const x = PAD.l + gi * gw + gw * 0.1 + si * bw
    return `<rect x="${x}" y="${y(v)}" width="${bw - 2}" height="${y(0) - y(v)}" fill="${COLORS[si % COLORS.length]}"><title>${esc(`${s.name}, ${groups[gi]}: ${v}`)}</title></rect>`
  }))
  const xAxis = groups.map((g, gi) => `<text x="${PAD.l + gi * gw + gw / 2}" y="${H - PAD.b + 16}" text-anchor="middle">${esc(g)}</text>`).join('')
  return frame(title, top, step, body.join(''), series.map((s) => s.name), xAxis)
}

export function lines(title: string, series: { name: string; points: [number, number][] }[], opts: { dots?: boolean } = {}): string {
  const all = series.flatMap((s) => s.points)
  const { top, step } = scale(Math.max(0, ...all.map((p) => p[1])))
  const xs = scale(Math.max(0, ...all.map((p) => p[0])))
  const x = (v: number) => PAD.l + (W - PAD.l - PAD.r) * (v / xs.top)
  const y = (v: number) => PAD.t + (H - PAD.t - PAD.b) * (1 - v / top)
  const body = series.map((s, i) => {
    const c = COLORS[i % COLORS.length]
    if (opts.dots) return s.points.map(([a, b]) => `<circle cx="${x(a)}" cy="${y(b)}" r="2" fill="${c}"/>`).join('')
    return `<polyline fill="none" stroke="${c}" stroke-width="2" points="${s.points.map(([a, b]) => `${x(a)},${y(b)}`).join(' ')}"/>`
  })
  const xAxis: string[] = []
  for (let v = 0; v <= xs.top + 1e-9; v += xs.step) xAxis.push(`<text x="${x(v)}" y="${H - PAD.b + 16}" text-anchor="middle">${Number(v.toPrecision(4))}</text>`)
  return frame(title, top, step, body.join(''), series.map((s) => s.name), xAxis.join(''))
}

export function page(title: string, parts: string[]): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font-family:sans-serif;max-width:760px;margin:2em auto;color:#111}figure{margin:1.5em 0}</style></head>
<body><h1>${esc(title)}</h1>${parts.join('\n')}</body></html>\n`
}
