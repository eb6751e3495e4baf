// `npm run migrations:seal`: adds each new migration's sha256 to supabase/migrations.sha256. It only
// appends: a landed migration whose bytes changed is reported (exit 1) and its line left as it is.
import path from 'node:path'
import { ROOT } from './config.ts'
import { checkManifest, manifestProblems, MANIFEST, sealNew } from './migration-manifest.ts'

const dir = path.join(ROOT, 'supabase')
const added = sealNew(dir)
for (const f of added) process.stdout.write(`sealed ${f}\n`)
const problems = manifestProblems(checkManifest(dir))
for (const p of problems) process.stderr.write(`${p}\n`)
if (added.length === 0 && problems.length === 0) process.stdout.write(`every migration is in supabase/${MANIFEST} already\n`)
process.exit(problems.length > 0 ? 1 : 0)
