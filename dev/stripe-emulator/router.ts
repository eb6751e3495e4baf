// Every /v1 route, one module per Stripe resource.
import type { Route } from './resources/common.ts'
import { customerRoutes } from './resources/customers.ts'
import { paymentMethodRoutes } from './resources/payment-methods.ts'
import { productRoutes } from './resources/products.ts'
import { priceRoutes } from './resources/prices.ts'
import { subscriptionRoutes } from './resources/subscriptions.ts'
import { subscriptionScheduleRoutes } from './resources/subscription-schedules.ts'
import { invoiceRoutes } from './resources/invoices.ts'
import { invoiceItemRoutes } from './resources/invoice-items.ts'
import { checkoutRoutes } from './resources/checkout.ts'
import { portalRoutes } from './resources/portal.ts'
import { portalConfigurationRoutes } from './resources/portal-configurations.ts'
import { eventRoutes } from './resources/events.ts'
import { testClockRoutes } from './resources/test-clocks.ts'
import { webhookEndpointRoutes } from './resources/webhook-endpoints.ts'
import { refundRoutes } from './resources/refunds.ts'
import { setupIntentRoutes } from './resources/setup-intents.ts'
import { couponRoutes } from './resources/coupons.ts'
import { searchRoutes } from './search.ts'

const ROUTES: Route[] = [
  ...searchRoutes, ...customerRoutes, ...paymentMethodRoutes, ...productRoutes, ...priceRoutes, ...subscriptionRoutes, ...subscriptionScheduleRoutes, ...invoiceRoutes,
  ...invoiceItemRoutes, ...checkoutRoutes, ...portalRoutes, ...portalConfigurationRoutes, ...eventRoutes, ...testClockRoutes, ...webhookEndpointRoutes,
  ...refundRoutes, ...setupIntentRoutes, ...couponRoutes,
]

export function routeFor(method: string, path: string): { route: Route; match: string[] } | null {
  for (const route of ROUTES) {
    if (route.method !== method) continue
    const m = route.path.exec(path)
    if (m) return { route, match: m.slice(1).map(decodeURIComponent) }
  }
  return null
}

/** Whether any method serves this path (405 rather than 404 when so). */
export function pathKnown(path: string): boolean {
  return ROUTES.some((r) => r.path.test(path))
}
