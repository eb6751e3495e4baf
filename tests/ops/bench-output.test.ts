// The check `npm test` applies to `npm run bench -- --quick`: the eight target lines, last, in order,
// numbers; and the HTML report's charts. (The step itself runs the quick bench; this pins what the check
// accepts and refuses.)
import { describe, expect, it } from 'vitest'
import { closingProblems, htmlProblems } from '../../dev/bench/smoke.ts'
import { TARGET_NAMES } from '../../dev/bench/report.ts'
import { bars, page } from '../../dev/bench/svg.ts'

const good = TARGET_NAMES.map((n, i) => `${n}=${i + 0.5}`).join('\n')

describe('bench output shape', () => {
  it('accepts the eight lines at the end, after a table', () => {
    expect(closingProblems(`pair  ours  peer\n1  900  450\n\n${good}\n`)).toEqual([])
  })

  it('refuses a missing line, a line out of order, a value that is not a number, and text after the lines', () => {
    const lines = good.split('\n')
    expect(closingProblems(lines.slice(1).join('\n'))).not.toEqual([])
    expect(closingProblems([lines[1], lines[0], ...lines.slice(2)].join('\n'))).not.toEqual([])
    expect(closingProblems(good.replace('lag_p99_ms=5.5', 'lag_p99_ms=NaN'))).toEqual(['lag_p99_ms is not a number: NaN'])
    expect(closingProblems(`${good}\ndone`)).not.toEqual([])
  })

  it('finds every chart in the HTML report, and names the one missing', () => {
    const titles = ['Webhook acks/s per pair', 'Ack latency per pair (ms)', 'Postgres CPU per event per pair (ms), by connection', 'Lag (50/s), per event: CPU ms and times on a CPU', 'CPU per event at 50 events/s on the same events (ms): ours ack + sync + workflows until quiet, the peer\'s ack alone', 'Lag (receipt → processed, ms)', 'Stripe calls per second in the drain against the bucket']
    const report = (ts: string[]) => page('Bench', ts.map((t) => bars(t, ['pair 1'], [{ name: 'ours', values: [1] }])))
    expect(htmlProblems(report(titles))).toEqual([])
    expect(htmlProblems(report(titles.filter((t) => !t.startsWith('Postgres'))))).toEqual(['the HTML report lacks the chart "Postgres CPU per event per pair"'])
    expect(htmlProblems(report(titles.filter((t) => !t.startsWith('CPU per event at'))))).toEqual(['the HTML report lacks the chart "events/s on the same events"'])
  })
})
