-- One writer per fact: every write of an organization's billing fields (status, payment and billing
-- dates, plan, limits, Stripe customer) goes through a function in `billing` named for the fact it
-- records. The workflows and the billing API call these instead of updating public.organizations
-- themselves (tests/deploy/billing-writers.test.ts fails if TypeScript does), so a rule such as "a
-- deleted organization takes no payment status" lives in one place. All run as their caller (the service
-- role, whose grants already cover the table): none needs `security definer`.

/*
 * A payment failed (dunning): the organization shows payment_failed from the moment Stripe saw it fail.
 * Only an organization in service changes: a cancelled or deleted one keeps its status.
 */
create function billing.service_role_mark_payment_failed(p_organization_id uuid, p_failed_at timestamptz) returns void
language sql
set search_path = ''
as $$
  update public.organizations set billing_status = 'payment_failed', last_payment_failed_at = p_failed_at, updated_at = now()
  where id = p_organization_id and billing_status in ('active', 'trialing', 'past_due', 'payment_failed');
$$;
comment on function billing.service_role_mark_payment_failed(uuid, timestamptz) is
  'Records a failed payment (dunning): status payment_failed and when it failed, for an organization in service only.';

/*
 * An invoice was paid: the last payment (never moved back), the next billing date and, when the payment
 * ends a failed or past-due spell, the subscription's own status, all as the mirror has the subscription.
 */
create function billing.service_role_record_payment(p_organization_id uuid, p_paid_at timestamptz, p_subscription_id text) returns void
language plpgsql
set search_path = ''
as $$
declare
  v_status text;
  v_period_end timestamptz;
begin
  select s.status, s.current_period_end into v_status, v_period_end from public.stripe_subscriptions s where s.id = p_subscription_id;
  -- A payment with no mirrored subscription (a one-off invoice) puts a failed organization back in service.
  v_status := coalesce(v_status, 'active');
  update public.organizations set
    last_payment_at = greatest(last_payment_at, p_paid_at),
    next_billing_at = coalesce(v_period_end, next_billing_at),
    billing_status = case when billing_status in ('payment_failed', 'past_due') and v_status in ('active', 'trialing')
      then v_status else billing_status end,
    updated_at = now()
  where id = p_organization_id and deleted_at is null;
end
$$;
comment on function billing.service_role_record_payment(uuid, timestamptz, text) is
  'Records a paid invoice: last payment, next billing date, and recovery from payment_failed/past_due to the subscription''s status.';

/*
 * The organization's limits follow its plan: recomputed (by public.plan_limits_for, the one reading of
 * `limits.*` metadata) for the organizations on a price, on a product's prices, or one organization.
 * Only rows whose limits differ are written.
 */
create function billing._refresh_plan_limits(p_organization_id uuid, p_price_id text, p_product_id text) returns void
language sql
set search_path = ''
as $$
  update public.organizations o set plan_limits = coalesce(public.plan_limits_for(o.price_id), '{}'::jsonb), updated_at = now()
  where (o.id = p_organization_id or o.price_id = p_price_id or o.product_id = p_product_id)
    and o.plan_limits is distinct from coalesce(public.plan_limits_for(o.price_id), '{}'::jsonb);
$$;
comment on function billing._refresh_plan_limits(uuid, text, text) is
  'Writes plan_limits from the plan for one organization, every organization on a price, or on a product (internal: called by the functions that change a plan).';

/*
 * A plan change was paid for (an invoice billed for subscription_update): the organization takes the
 * subscription's price and product as mirrored, and that plan's limits.
 */
create function billing.service_role_take_subscription_plan(p_organization_id uuid, p_subscription_id text) returns void
language plpgsql
set search_path = ''
as $$
begin
  update public.organizations o set price_id = s.price_id, product_id = s.product_id
  from public.stripe_subscriptions s where s.id = p_subscription_id and o.id = p_organization_id and o.price_id is distinct from s.price_id;
  perform billing._refresh_plan_limits(p_organization_id, null, null);
end
$$;
comment on function billing.service_role_take_subscription_plan(uuid, text) is
  'Gives an organization its subscription''s mirrored price and product, and that plan''s limits.';

/*
 * A subscription ended: the organization is cancelled from when it ended and bills no more. Only while
 * that subscription is still the organization's (a newer one may have replaced it) and it is not deleted.
 */
create function billing.service_role_mark_cancelled(p_organization_id uuid, p_subscription_id text, p_cancelled_at timestamptz) returns void
language sql
set search_path = ''
as $$
  update public.organizations set billing_status = 'cancelled', cancelled_at = p_cancelled_at, next_billing_at = null, updated_at = now()
  where id = p_organization_id and deleted_at is null and (stripe_subscription_id is null or stripe_subscription_id = p_subscription_id);
$$;
comment on function billing.service_role_mark_cancelled(uuid, text, timestamptz) is
  'Records that the organization''s subscription ended: status cancelled, when, and no next billing date.';

/*
 * The Stripe customer's name or email changed: the organization's name and billing contact follow.
 * A null argument keeps the current value (an empty name or email in Stripe clears nothing).
 */
create function billing.service_role_take_customer_details(p_organization_id uuid, p_name text, p_email text) returns void
language sql
set search_path = ''
as $$
  update public.organizations set name = coalesce(p_name, name), billing_email = coalesce(p_email, billing_email), updated_at = now()
  where id = p_organization_id;
$$;
comment on function billing.service_role_take_customer_details(uuid, text, text) is
  'Copies a Stripe customer''s name and email to its organization; null keeps the current value.';

/*
 * The organization's Stripe customer: set when it has none, or replacing the one named in p_replaced (a
 * customer deleted in Stripe). Returns the customer the organization has afterwards, which is another
 * one's when a concurrent request linked it first.
 */
create function billing.service_role_link_customer(p_organization_id uuid, p_customer_id text, p_replaced text) returns text
language plpgsql
set search_path = ''
as $$
declare
  v_customer text;
begin
  update public.organizations set stripe_customer_id = p_customer_id, updated_at = now()
  where id = p_organization_id and (stripe_customer_id is null or stripe_customer_id = p_replaced)
    and stripe_customer_id is distinct from p_customer_id;
  select stripe_customer_id into v_customer from public.organizations where id = p_organization_id;
  return v_customer;
end
$$;
comment on function billing.service_role_link_customer(uuid, text, text) is
  'Sets an organization''s Stripe customer when it has none (or replaces p_replaced); returns the customer it has afterwards.';

/*
 * A new subscriber with no organization yet: one organization per Stripe customer (a concurrent run
 * creating the same one finds it), and the customer's mirrored rows are linked to it. Returns the row.
 */
create function billing.service_role_create_customer_organization(p_customer_id text, p_subscription_id text, p_name text, p_email text)
returns public.organizations
language plpgsql
set search_path = ''
as $$
declare
  v_org public.organizations;
begin
  insert into public.organizations (name, billing_email, stripe_customer_id, stripe_subscription_id)
  values (p_name, p_email, p_customer_id, p_subscription_id)
  on conflict (stripe_customer_id) do nothing;
  select * into v_org from public.organizations where stripe_customer_id = p_customer_id;
  update public.stripe_customers set organization_id = v_org.id where id = p_customer_id and organization_id is null;
  update public.stripe_subscriptions set organization_id = v_org.id where customer_id = p_customer_id and organization_id is null;
  update public.stripe_invoices set organization_id = v_org.id where customer_id = p_customer_id and organization_id is null;
  return v_org;
end
$$;
comment on function billing.service_role_create_customer_organization(text, text, text, text) is
  'Creates (or finds) the organization of a Stripe customer and links the customer''s mirrored rows to it.';

revoke execute on function billing.service_role_mark_payment_failed(uuid, timestamptz) from public, anon, authenticated;
revoke execute on function billing.service_role_record_payment(uuid, timestamptz, text) from public, anon, authenticated;
revoke execute on function billing._refresh_plan_limits(uuid, text, text) from public, anon, authenticated;
revoke execute on function billing.service_role_take_subscription_plan(uuid, text) from public, anon, authenticated;
revoke execute on function billing.service_role_mark_cancelled(uuid, text, timestamptz) from public, anon, authenticated;
revoke execute on function billing.service_role_take_customer_details(uuid, text, text) from public, anon, authenticated;
revoke execute on function billing.service_role_link_customer(uuid, text, text) from public, anon, authenticated;
revoke execute on function billing.service_role_create_customer_organization(text, text, text, text) from public, anon, authenticated;
grant execute on function billing.service_role_mark_payment_failed(uuid, timestamptz) to service_role;
grant execute on function billing.service_role_record_payment(uuid, timestamptz, text) to service_role;
grant execute on function billing.service_role_take_subscription_plan(uuid, text) to service_role;
grant execute on function billing.service_role_mark_cancelled(uuid, text, timestamptz) to service_role;
grant execute on function billing.service_role_take_customer_details(uuid, text, text) to service_role;
grant execute on function billing.service_role_link_customer(uuid, text, text) to service_role;
grant execute on function billing.service_role_create_customer_organization(text, text, text, text) to service_role;
