// Every input the billing API takes, checked at the boundary so that bad input is a 422 naming the
// field, never a 500 from Postgres (which cannot store U+0000 or a lone UTF-16 surrogate) or Stripe.
// Path ids are checked by the routes (UUIDs); the caller's token by caller.ts; these are the bodies.
import { z } from 'zod'

/** C0 controls (U+0000 included), DEL and C1 controls: nothing a person means in a name. */
// deno-lint-ignore no-control-regex -- control characters are what this refuses.
const CONTROL = /[\u0000-\u001F\u007F-\u009F]/
/** A UTF-16 surrogate without its pair: not a character, and refused by Postgres. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** A one-line text a person typed (an organization's name), trimmed. */
function personText(what: string, max: number) {
  return z
    .string(`give ${what} as text`)
    .trim()
    .min(1, `give ${what}`)
    .max(max, `${what} is longer than ${max} characters`)
    .refine((s) => !CONTROL.test(s), 'must not contain control characters (such as U+0000 or a line break)')
    .refine((s) => !LONE_SURROGATE.test(s), 'contains an invalid character (a lone UTF-16 surrogate)')
}

/** A Stripe id as the API writes them (`price_1N...`). */
const stripeId = (what: string) =>
  z.string(`choose ${what}`).min(1, `choose ${what}`).max(255, `${what} is not a Stripe id`).regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, `${what} is not a Stripe id`)

export const CreateOrganizationBody = z.object({ name: personText('the organization a name', 200) })
export const CheckoutBody = z.object({ price_id: stripeId('a plan') })

/** Stripe's cancellation_details.feedback values (the customer's reason, one of a fixed list). */
const CANCEL_FEEDBACK = ['customer_service', 'low_quality', 'missing_features', 'other', 'switched_service', 'too_complex', 'too_expensive', 'unused'] as const
export const CancelBody = z.object({
  feedback: z.enum(CANCEL_FEEDBACK, `choose a reason among ${CANCEL_FEEDBACK.join(', ')}`).optional(),
  /** Free text; Stripe keeps up to 5000 characters, a reason needs far fewer. */
  comment: z.union([personText('a comment', 500), z.literal('')]).optional(),
})
export type CancelReason = z.infer<typeof CancelBody>

/** Email and role are checked by invite_member in SQL (the one reading of both); here only their type and size. */
export const InviteBody = z.object({
  email: z.string('give an email address').max(320, 'the email address is too long'),
  role: z.string('choose a role').max(40).default('member'),
})
export const RoleBody = z.object({ role: z.string('choose a role').max(40) })
export const AcceptBody = z.object({
  token: z.string('give the invitation token').min(1, 'give the invitation token').max(200, 'that is not an invitation token'),
})
export const PlanPreviewBody = z.object({ price_id: stripeId('a plan') })
export const PlanChangeBody = z.object({ price_id: stripeId('a plan'), proration_date: z.number('give the proration_date of the preview').int().positive() })
