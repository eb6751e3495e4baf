// One line per check, with the fix under each failure. Every line goes through a redactor that blanks
// the secrets the doctor holds (database password, Stripe key, service-role key), so none is printed.

export interface CheckResult {
  name: string
  ok: boolean
  /** What was found (versions, counts, names): never a secret. */
  detail: string
  /** What to do, when the check fails. */
  fix?: string
}

export const pass = (name: string, detail: string): CheckResult => ({ name, ok: true, detail })
export const fail = (name: string, detail: string, fix: string): CheckResult => ({ name, ok: false, detail, fix })

/** Blanks every occurrence of each secret (ignoring short or empty values, which are not secrets). */
export function redactor(secrets: (string | undefined | null)[]): (text: string) => string {
  const values = secrets.filter((s): s is string => !!s && s.length >= 6).sort((a, b) => b.length - a.length)
  return (text) => values.reduce((t, s) => t.split(s).join('[redacted]'), text)
}

export function formatChecklist(results: CheckResult[], redact: (t: string) => string = (t) => t): string {
  const lines: string[] = []
  for (const r of results) {
    lines.push(`${r.ok ? '✓' : '✗'} ${r.name}: ${r.detail}`)
    if (!r.ok && r.fix) for (const l of r.fix.split('\n')) lines.push(`    fix: ${l}`)
  }
  const failed = results.filter((r) => !r.ok).length
  lines.push('', failed === 0 ? `all ${results.length} checks passed` : `${failed} of ${results.length} checks failed`)
  return redact(lines.join('\n'))
}

/** A check that throws becomes a failure naming the error, not a crash of the whole checklist. */
export async function guarded(name: string, fix: string, check: () => Promise<CheckResult | CheckResult[]>): Promise<CheckResult[]> {
  try {
    const r = await check()
    return Array.isArray(r) ? r : [r]
  } catch (err) {
    return [fail(name, `could not check: ${err instanceof Error ? err.message : String(err)}`, fix)]
  }
}
