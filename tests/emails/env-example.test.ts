// Every email type can be switched off with EMAILS_DISABLED, so .env.example must name each one: an
// operator reads the list there, not in the code.
import { readFileSync } from 'node:fs'
import { expect, test } from 'vitest'
import { EMAIL_TYPES } from '../../supabase/functions/_shared/email/templates.ts'

test('.env.example lists every email type EMAILS_DISABLED can switch off', () => {
  const text = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8')
  const block = text.slice(text.indexOf('# Email types to switch off'), text.indexOf('# EMAILS_DISABLED='))
  expect(block.length).toBeGreaterThan(0)
  const listed = new Set(block.match(/\b[a-z]+(?:_[a-z]+)*\b/g))
  expect(EMAIL_TYPES.filter((t) => !listed.has(t))).toEqual([])
})
