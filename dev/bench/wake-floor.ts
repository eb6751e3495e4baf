// Run by Deno (run.ts spawns it): what one wake from idle costs a Deno thread on this machine, the floor
// under the functions host's CPU per event at a steady 50 events/s, where each event wakes the gateway's
// thread at least twice (its request, then its row's commit) and the sync's for each of its round trips.
// A timer wakes an otherwise idle thread N times, GAP ms apart; the thread's own CPU time
// (/proc/thread-self/schedstat) per wake is printed as JSON. Development only.
declare const Deno: { args: string[]; readTextFileSync(path: string): string }

const [n, gapMs] = [Number(Deno.args[0] ?? 300), Number(Deno.args[1] ?? 20)]
const cpuMs = () => Number(Deno.readTextFileSync('/proc/thread-self/schedstat').split(' ')[0]) / 1e6
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

for (let i = 0; i < 20; i++) await sleep(gapMs)
const cpu0 = cpuMs()
for (let i = 0; i < n; i++) await sleep(gapMs)
console.log(JSON.stringify({ wakes: n, gapMs, msPerWake: Number(((cpuMs() - cpu0) / n).toFixed(3)) }))
export {}
