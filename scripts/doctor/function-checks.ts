// The edge functions, as the database's cron jobs reach them: the URL and key from Vault, the
// `health` function answering, and no required function secret unset (names only, never values).
import { fail, pass, type CheckResult } from './checklist.ts'

export async function checkFunctionSecrets(projectUrl: string, serviceRoleKey: string): Promise<CheckResult> {
  const name = 'function secrets'
  const url = `${projectUrl.replace(/\/+$/, '')}/functions/v1/health`
  let res: Response
  try {
    res = await fetch(url, { headers: { authorization: `Bearer ${serviceRoleKey}` }, signal: AbortSignal.timeout(15_000) })
  } catch (err) {
    return fail(name, `${url} did not answer (${err instanceof Error ? err.message : String(err)})`, 'deploy the functions: npx supabase functions deploy; check Vault secret project_url')
  }
  const body = (await res.json().catch(() => ({}))) as { secrets_missing?: string[] }
  if (res.status === 401 || res.status === 403) return fail(name, `${url} refused the service-role key from Vault (${res.status})`, "store the project's service role key: select vault.update_secret((select id from vault.secrets where name = 'service_role_key'), '<service role key>');")
  if (!res.ok) return fail(name, `${url} answered ${res.status}`, 'read the health function\'s logs (Dashboard → Edge Functions → health); deploy: npx supabase functions deploy')
  if (!Array.isArray(body.secrets_missing)) return fail(name, 'the deployed health function does not report secrets (an older version)', 'npx supabase functions deploy health')
  if (body.secrets_missing.length > 0) {
    return fail(name, `unset: ${body.secrets_missing.join(', ')}`, `npx supabase secrets set ${body.secrets_missing.map((n) => `${n}=…`).join(' ')}  (what each is: .env.example)`)
  }
  return pass(name, 'every required secret is set')
}
