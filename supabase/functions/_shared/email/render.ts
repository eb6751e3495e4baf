// Renders an email to HTML and plain text with react-email, after validating its props. React renders
// the template once: the plain text is derived from that HTML as react-email's toPlainText does (what
// render(..., { plainText: true }) runs after a second render of the same tree), with its converter's
// options compiled once rather than per email. Together about a third of the CPU an email cost before.
// tests/emails/render-once.test.ts holds the text and HTML equal to react-email's two renders.
import { plainTextSelectors, render } from '@react-email/render'
// @ts-types="@types/html-to-text"
import { compile } from 'html-to-text'
import { createElement } from 'react'
import { NonRetriableError } from '../errors.ts'
import { type AnyEmailComponent, EMAILS, type EmailType } from './templates.ts'

/** react-email's toPlainText(html): html-to-text without word wrap, with react-email's selectors. */
const toPlainText = compile({ wordwrap: false, selectors: [...plainTextSelectors] })

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
