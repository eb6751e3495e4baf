// Every customer email: its template, its subject, and the shape of its props (validated before
// rendering). Each type can be switched off with EMAILS_DISABLED (comma-separated), for example
// `receipt,trial_ending` when Stripe sends its own receipts and trial notices.
import type { ComponentType } from 'react'
import { z } from 'zod'
import CancellationScheduledEmail from './templates/cancellation-scheduled.tsx'
import InvitationEmail from './templates/invitation.tsx'
import PaymentFailedEmail from './templates/payment-failed.tsx'
import PaymentReminderEmail from './templates/payment-reminder.tsx'
import ReceiptEmail from './templates/receipt.tsx'
import RefundIssuedEmail from './templates/refund-issued.tsx'
import SubscriptionCancelledEmail from './templates/subscription-cancelled.tsx'
import SubscriptionResumedEmail from './templates/subscription-resumed.tsx'
import SubscriptionConfirmationEmail from './templates/subscription-confirmation.tsx'
import TrialEndingEmail from './templates/trial-ending.tsx'
import { config } from '../config.ts'
import { formatDate, formatMoney } from './format.ts'

const text = z.string().min(1)
const optional = z.string().nullable().optional()
const iso = z.string().refine((v) => !Number.isNaN(Date.parse(v)), 'a date')
const url = z.url()

export const EMAILS = {
  subscription_confirmation: {
    component: SubscriptionConfirmationEmail,
    schema: z.object({
      userName: optional,
      organizationName: text,
      plan: optional,
      billingCycle: optional,
      trialEndsAt: iso.nullable().optional(),
      manageBillingUrl: url.nullable().optional(),
    }),
    subject: (p: { organizationName: string; plan?: string | null }) => `Welcome to ${p.plan ?? 'your new plan'}, ${p.organizationName}`,
  },
  trial_ending: {
    component: TrialEndingEmail,
    schema: z.object({
      organizationName: optional,
      trialEndsAt: iso,
      plan: optional,
      manageBillingUrl: url,
      endBehavior: z.enum(['pause', 'cancel', 'create_invoice']).nullable().optional(),
      cardOnFile: z.boolean().optional(),
    }),
    subject: () => 'Your trial ends soon',
  },
  payment_failed: {
    component: PaymentFailedEmail,
    schema: z.object({
      organizationName: text,
      amountDue: z.number().int().nonnegative(),
      currency: z.string().length(3),
      dueDate: iso.nullable().optional(),
      paymentUrl: url,
      newCardBecomesDefault: z.boolean().optional(),
    }),
    subject: (p: { amountDue: number; currency: string }) => `Payment of ${formatMoney(p.amountDue, p.currency)} failed`,
  },
  payment_reminder: {
    component: PaymentReminderEmail,
    schema: z.object({ organizationName: text, paymentUrl: url, updatePaymentUrl: url, supportEmail: optional }),
    subject: () => 'Reminder: your invoice is still unpaid',
  },
  receipt: {
    component: ReceiptEmail,
    schema: z.object({
      organizationName: text,
      invoiceNumber: text,
      amountPaid: z.number().int().nonnegative(),
      currency: z.string().length(3),
      paidAt: iso,
      receiptUrl: url.nullable().optional(),
      discount: z.object({ label: text, amount: z.number().int().positive() }).nullable().optional(),
    }),
    subject: (p: { invoiceNumber: string }) => `Your receipt ${p.invoiceNumber}`,
  },
  refund_issued: {
    component: RefundIssuedEmail,
    schema: z.object({
      organizationName: text,
      invoiceNumber: text,
      amountRefunded: z.number().int().positive(),
      amountPaid: z.number().int().nonnegative(),
      currency: z.string().length(3),
      refundedAt: iso,
      invoiceUrl: url.nullable().optional(),
    }),
    subject: (p: { amountRefunded: number; currency: string; invoiceNumber: string }) =>
      `Refund of ${formatMoney(p.amountRefunded, p.currency)} on invoice ${p.invoiceNumber}`,
  },
  subscription_cancelled: {
    component: SubscriptionCancelledEmail,
    schema: z.object({
      organizationName: text,
      cancelledAt: iso,
      dataExportUrl: url,
      exportExpiresAt: iso,
      deletionAt: iso,
      reason: z.enum(['payment_failed', 'cancellation_requested']).nullable().optional(),
      unpaidAmount: z.number().int().nonnegative().nullable().optional(),
      currency: z.string().length(3).nullable().optional(),
      unpaidInvoiceUrl: url.nullable().optional(),
      resubscribeUrl: url.nullable().optional(),
    }),
    subject: (p: { reason?: string | null }) => (p.reason === 'payment_failed' ? 'Your subscription has ended: payment failed' : 'Your subscription has ended'),
  },
  cancellation_scheduled: {
    component: CancellationScheduledEmail,
    schema: z.object({ organizationName: text, plan: optional, endsAt: iso, resumeUrl: url }),
    subject: (p: { endsAt: string }) => `Your subscription ends on ${formatDate(p.endsAt)}`,
  },
  subscription_resumed: {
    component: SubscriptionResumedEmail,
    schema: z.object({ organizationName: text, plan: optional, renewsAt: iso.nullable().optional(), manageBillingUrl: url }),
    subject: () => 'Your subscription continues',
  },
  invitation: {
    component: InvitationEmail,
    schema: z.object({ organizationName: text, inviterName: optional, role: z.enum(['admin', 'member']), acceptUrl: url, expiresAt: iso }),
    subject: (p: { organizationName: string }) => `You are invited to join ${p.organizationName}`,
  },
} as const

export type EmailType = keyof typeof EMAILS
export const EMAIL_TYPES = Object.keys(EMAILS) as EmailType[]

export type AnyEmailComponent = ComponentType<Record<string, unknown>>

/** False when the email type is listed in EMAILS_DISABLED. */
export function isEmailEnabled(type: EmailType): boolean {
  return !config().EMAILS_DISABLED.includes(type)
}
