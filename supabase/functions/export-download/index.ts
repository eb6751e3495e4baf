// Serves a GDPR export to whoever holds its signed, unexpired link (no JWT: the link is the credential).
import { db } from '../_shared/db.ts'
import { config, required } from '../_shared/config.ts'
import { handleExportDownload } from '../_shared/exports/download.ts'

config()
Deno.serve((req) => handleExportDownload(req, db('export-download'), required('EXPORT_SIGNING_SECRET')))
