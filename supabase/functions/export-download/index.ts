// Serves a GDPR export to whoever holds its signed, unexpired link (no JWT: the link is the credential).
import { db } from '../_shared/db.ts'
import { env } from '../_shared/env.ts'
import { handleExportDownload } from '../_shared/exports/download.ts'

Deno.serve((req) => handleExportDownload(req, db('export-download'), env('EXPORT_SIGNING_SECRET')))
