// `npm run stack:down`: stops a running stack of the profile (default dev), services and cluster.
import { profile } from './config.ts'
import { stackLog } from './log.ts'
import { down } from './stack.ts'

const p = profile()
await down(p, { cluster: true })
stackLog(`${p.name} stack stopped`)
