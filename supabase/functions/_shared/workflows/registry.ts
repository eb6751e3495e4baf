// Every workflow the product runs (DESIGN.md, "Workflows to deliver"). The runner only claims runs of
// workflows listed here.
import { cancellationScheduled } from './billing/cancellation-scheduled.ts'
import { customerUpdated } from './billing/customer-updated.ts'
import { dataDeletion } from './billing/data-deletion.ts'
import { invoicePaid } from './billing/invoice-paid.ts'
import { paymentFailed } from './billing/payment-failed.ts'
import { paymentMetrics } from './billing/payment-metrics.ts'
import { refundIssued } from './billing/refund-issued.ts'
import { refundMetrics } from './billing/refund-metrics.ts'
import { subscriptionCancelled } from './billing/subscription-cancelled.ts'
import { subscriptionResumed } from './billing/subscription-resumed.ts'
import { subscriptionCreated } from './billing/subscription-created.ts'
import { trialEnding } from './billing/trial-ending.ts'
import type { Workflow } from './define.ts'

export const WORKFLOWS: Workflow[] = [
  subscriptionCreated,
  trialEnding,
  paymentFailed,
  invoicePaid,
  subscriptionCancelled,
  cancellationScheduled,
  subscriptionResumed,
  dataDeletion,
  customerUpdated,
  paymentMetrics,
  refundMetrics,
  refundIssued,
]
