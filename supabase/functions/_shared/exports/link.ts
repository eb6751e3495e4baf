// Signed links to GDPR exports: HMAC-SHA256 over "<export id>.<expiry>" with EXPORT_SIGNING_SECRET.
// The same on hosted Supabase and locally: no storage bucket, the export-download function serves it.

const encoder = new TextEncoder()

async function hmacHex(secret: string, message: string): Promise<string> {
  const key = await crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(message)))
  return [...mac].map((b) => b.toString(16).padStart(2, '0')).join('')
}

function constantTimeEqual(a: string, b: string): boolean {
  let diff = a.length ^ b.length
  for (let i = 0; i < Math.max(a.length, b.length); i++) diff |= (a.charCodeAt(i) || 0) ^ (b.charCodeAt(i) || 0)
  return diff === 0
}

/** A link that lets whoever holds it download the export until `expiresAt`. */
export async function signExportLink(baseUrl: string, exportId: string, expiresAt: Date, secret: string): Promise<string> {
  const expires = Math.floor(expiresAt.getTime() / 1000)
  const sig = await hmacHex(secret, `${exportId}.${expires}`)
  return `${baseUrl.replace(/\/$/, '')}/functions/v1/export-download?export=${exportId}&expires=${expires}&sig=${sig}`
}

export type LinkCheck = { ok: true; exportId: string } | { ok: false; reason: string }

/** Checks a link's parameters: present, signed with our secret, and not expired. */
export async function verifyExportLink(params: URLSearchParams, secret: string, now = new Date()): Promise<LinkCheck> {
  const exportId = params.get('export') ?? ''
  const expires = params.get('expires') ?? ''
  const sig = params.get('sig') ?? ''
  if (!/^[0-9a-f-]{36}$/i.test(exportId) || !/^\d{1,12}$/.test(expires) || !/^[0-9a-f]{64}$/.test(sig)) {
    return { ok: false, reason: 'the link is incomplete or malformed' }
  }
  if (!constantTimeEqual(sig, await hmacHex(secret, `${exportId}.${expires}`))) return { ok: false, reason: 'the link signature is not valid' }
  if (Number(expires) * 1000 < now.getTime()) return { ok: false, reason: 'the link has expired; ask an admin for a new one' }
  return { ok: true, exportId }
}
