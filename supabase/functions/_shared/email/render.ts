// Renders an email to HTML and plain text with react-email, after validating its props.
import { render } from '@react-email/render'
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
  return {
    subject: (spec.subject as (p: unknown) => string)(parsed.data),
    html: await render(element),
    text: await render(element, { plainText: true }),
  }
}
