// What our pinned API version (2026-10-28.endive, stripe npm 23.1.0) has beyond the spec we validate
// against (stripe-mock v0.203.0's spec3.json: 2026-08-26.dahlia). Kept in this one place: each entry
// adds fields to a spec schema as the newer version documents them; the validator accepts them, and
// nothing else in the emulator or the product may rely on a field the spec lacks.
//
// Compared field by field for every object the emulator serves (stripe 23.1.0's types against the
// spec): beyond the spec, endive's types have
// - subscription.trial_settings.end_behavior.billing_cycle_anchor (`now` | `unchanged` | null):
//   the emulator sends it (null: Stripe's default, `now`), so it is added below;
// - invoice.status_details, subscription.status_details, subscription_item.current_trial,
//   product.tax_details, checkout.session.allowed_payment_method_types,
//   billing_portal.session.after_expiration, invoiceitem.invoicing_rules, payment_method.paypay and
//   .sequra, payment_intent.payment_record: not sent by the emulator, not read by the product;
// - legacy fields the SDK's types keep but Stripe's public spec dropped (product.type,
//   price.recurring.trial_period_days, subscription_item.plan, charge.source, .level3,
//   .authorization_code, payment_intent.source): not sent, so strict mode refuses them.
/** A JSON Schema object, as spec.ts's `Schema` (declared here too, so spec.ts and this file do not import each other). */
type Schema = Record<string, any>

export const ADDITIONS: Record<string, { properties: Record<string, Schema>; required?: string[] }> = {
  subscriptions_resource_trial_settings_end_behavior: {
    properties: { billing_cycle_anchor: { type: 'string', enum: ['now', 'unchanged'], nullable: true } },
    required: ['billing_cycle_anchor'],
  },
}

/**
 * Request parameters whose values the pinned version accepts beyond the spec's enum: the pinned
 * version itself as an `api_version` (a webhook endpoint's, set by `npm run stripe:setup`).
 */
export const REQUEST_ENUM_ADDITIONS: Record<string, string[]> = { api_version: ['2026-10-28.endive'] }
