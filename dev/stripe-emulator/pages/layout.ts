// The hosted pages' shared frame: plain HTML forms (they work without JavaScript, and a browser test
// drives them by label), marked everywhere as the development emulator, never real Stripe.

/** What a page handler answers: a page, or a redirect. */
export interface PageResult {
  status: number
  html?: string
  location?: string
  /** A download instead of a page (the invoice PDF). */
  file?: { body: Buffer; contentType: string; filename: string }
}

export const esc = (s: unknown) => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

export function money(amount: number, currency: string): string {
  const fmt = new Intl.NumberFormat('en-US', { style: 'currency', currency: currency.toUpperCase() })
  const digits = fmt.resolvedOptions().maximumFractionDigits ?? 2
  return fmt.format(amount / 10 ** digits)
}

export const date = (ts: number | null | undefined) => (ts ? new Date(ts * 1000).toISOString().slice(0, 10) : '—')

export function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} · Stripe emulator</title>
<style>
  body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; background: #f6f8fa; color: #1a1f36; }
  main { max-width: 34rem; margin: 2rem auto; background: #fff; border-radius: 12px; padding: 2rem; box-shadow: 0 2px 12px rgba(0,0,0,.08); }
  .banner { background: #fff4e5; color: #7a4b00; text-align: center; padding: .4rem; font-size: .85rem; }
  h1 { font-size: 1.4rem; margin-top: 0; } .amount { font-size: 2rem; font-weight: 600; }
  .muted { color: #697386; font-size: .9rem; } .error { background: #fde8e8; color: #9b1c1c; padding: .75rem; border-radius: 8px; }
  .ok { background: #e6f6ec; color: #14532d; padding: .75rem; border-radius: 8px; }
  fieldset { border: 1px solid #e3e8ee; border-radius: 8px; margin: 1rem 0; } label { display: block; margin: .3rem 0; }
  input[type=email] { width: 100%; padding: .5rem; border: 1px solid #c1c9d2; border-radius: 6px; box-sizing: border-box; }
  button { background: #635bff; color: #fff; border: 0; border-radius: 6px; padding: .6rem 1.2rem; font-size: 1rem; cursor: pointer; }
  button.secondary { background: #fff; color: #635bff; border: 1px solid #635bff; } button:focus-visible, a:focus-visible { outline: 3px solid #a5b4fc; outline-offset: 2px; }
  table { width: 100%; border-collapse: collapse; } td, th { text-align: left; padding: .4rem; border-bottom: 1px solid #e3e8ee; }
  section { margin: 1.5rem 0; } form.inline { display: inline; }
</style></head>
<body><div class="banner" role="note">Stripe emulator — development only, no real payments</div><main>${body}</main></body></html>`
}

export function cardChoices(cards: { token: string; label: string }[]): string {
  return `<fieldset><legend>Test card</legend>${cards
    .map((c, i) => `<label><input type="radio" name="card" value="${esc(c.token)}"${i === 0 ? ' checked' : ''}> ${esc(c.label)}</label>`)
    .join('')}</fieldset>`
}
