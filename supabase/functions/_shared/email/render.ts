// Renders an email to HTML and plain text with react-email, after validating its props. React renders
// the template once: the plain text is derived from that HTML by react-email's own converter
// (toPlainText, as render(..., { plainText: true }) does after a second render of the same tree), which
// halves the CPU an email costs. tests/emails/render-once.test.ts holds the text equal to the library's.
import { render, toPlainText } from '@react-email/render'
import { createElement } from 'react'
import { NonRetriableError } from '../errors.ts'
import { type AnyEmailComponent, EMAILS, type EmailType } from './templates.ts'

export interface RenderedEmail {
  subject: string
  html: string
  text: string
}

export async function renderEmail(type: EmailType, props: Record<string, unknown>): Promise<RenderedEmail> {
  const spec = EMAILS[type]
  if (!spec) throw new NonRetriableError(`unknown email type ${type}`)
  const parsed = spec.schema.safeParse(props)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new NonRetriableError(`email ${type} has invalid props: ${issue?.path.join('.')} ${issue?.message}`)
  }
  // The schema above checked the props against this template, so the component may take them.
  const element = createElement(spec.component as unknown as AnyEmailComponent, parsed.data as Record<string, unknown>)
  const html = await render(element)
  return { subject: (spec.subject as (p: unknown) => string)(parsed.data), html, text: toPlainText(html) }
}
