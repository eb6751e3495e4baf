// `npm run gen:types`: regenerates supabase/functions/_shared/database.types.ts from the profile's
// database (start it first). A test fails when the committed file differs from what this writes.
import { writeFileSync } from 'node:fs'
import { profile } from './config.ts'
import { stackLog } from './log.ts'
import { generateTypes, TYPES_FILE } from './migrate.ts'

writeFileSync(TYPES_FILE, await generateTypes(profile()))
stackLog(`wrote ${TYPES_FILE}`)
