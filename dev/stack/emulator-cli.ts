// `npm run emulator -- <command>`: drive the local Stripe emulator (development only) from a shell.
//   advance <days>        make time pass for every customer not on a test clock (renewals, retries)
//   chaos '<json>'        set delivery/API chaos, e.g. '{"seed":1,"duplicate":0.3,"reorder":0.5,"delayMs":500}'
//   chaos off             turn chaos off
//   deliveries [type]     recent webhook deliveries and their attempts
//   reset                 forget every object (the database keeps its mirror)
// It acts on the stack running in this checkout (STACK_PROFILE chooses when several run).
import { targetProfile } from './running.ts'

const [command, arg] = process.argv.slice(2)
let base = ''
try {
  const p = targetProfile('stripe')
  base = `http://127.0.0.1:${p.ports.stripe}/_emulator`
  if (command) console.error(`(the ${p.name} stack's emulator, ${base})`)
} catch (err) {
  console.error(err instanceof Error ? err.message : err)
  process.exit(1)
}

async function call(path: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  const out = await res.json()
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(out)}`)
  return out
}

try {
  switch (command) {
    case 'advance': {
      const days = Number(arg)
      if (!(days > 0)) throw new Error('give the number of days, e.g. `npm run emulator -- advance 31`')
      const r = await call('/clock/advance', { seconds: Math.round(days * 86_400) })
      console.log(`emulator clock now ${new Date(r.now * 1000).toISOString()} (${r.work_done} scheduled changes ran)`)
      break
    }
    case 'chaos':
      console.log(await call('/chaos', arg === 'off' || !arg ? {} : JSON.parse(arg)))
      break
    case 'deliveries': {
      const { data } = await call(`/deliveries${arg ? `?event_type=${encodeURIComponent(arg)}` : ''}`)
      for (const d of data.slice(-30)) console.log(`${d.state.padEnd(9)} ${d.event_type.padEnd(40)} ${d.event_id} attempts=${d.attempts.length} ${d.attempts.at(-1)?.error ?? ''}`)
      break
    }
    case 'reset':
      console.log(await call('/reset', {}))
      break
    default:
      console.log('usage: npm run emulator -- advance <days> | chaos <json|off> | deliveries [event type] | reset')
      process.exit(command ? 1 : 0)
  }
} catch (err) {
  console.error(err instanceof Error ? err.message : err)
  console.error(`(is the stack running? npm start; the emulator is ${base})`)
  process.exit(1)
}
