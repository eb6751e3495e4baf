// `npm run bench`: every benchmark in turn, each on its own stack profile. Not part of `npm test`.
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { ROOT } from '../stack/config.ts'

for (const bench of ['ingest.ts', 'drain.ts', 'limits.ts', 'emails.ts']) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'dev/bench', bench)], { stdio: 'inherit', cwd: ROOT })
  if (r.status !== 0) process.exit(r.status ?? 1)
}
