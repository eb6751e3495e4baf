-- The writers of an organization's billing fields (billing.service_role_*, one per fact), called as the
-- service role, the role the workflows and the billing API use: each records its fact, refuses what its
-- rule refuses, and no client role may call one. Also: the service role can run every billing function
-- (its entry points call the internal `_` helpers as their caller).
begin;
\ir _helpers.psql
select plan(20);

insert into public.stripe_products (id, name, active, metadata, deleted, raw, stripe_fetched_at)
values ('prod_w', 'Plan W', true, '{"limits.seats": "3"}', false, '{}', now());
insert into public.stripe_prices (id, product_id, active, currency, unit_amount, metadata, deleted, raw, stripe_fetched_at)
values ('price_w1', 'prod_w', true, 'usd', 500, '{}', false, '{}', now()),
  ('price_w2', 'prod_w', true, 'usd', 900, '{"limits.seats": "10"}', false, '{}', now());
insert into public.organizations (id, name, billing_status, stripe_customer_id, stripe_subscription_id, price_id)
values ('0e000000-0000-0000-0000-000000000001', 'Org W', 'active', 'cus_w', 'sub_w', 'price_w1'),
  ('0e000000-0000-0000-0000-000000000002', 'Org Gone', 'cancelled', null, null, null);
insert into public.stripe_subscriptions (id, customer_id, organization_id, status, price_id, product_id, current_period_end, cancel_at_period_end,
  raw, stripe_fetched_at)
values ('sub_w', 'cus_w', '0e000000-0000-0000-0000-000000000001', 'active', 'price_w2', 'prod_w', '2030-01-01', false, '{}', now());

select tests.as_service_role();

-- Dunning.
select billing.service_role_mark_payment_failed('0e000000-0000-0000-0000-000000000001', '2026-01-02 03:04:05+00');
select billing.service_role_mark_payment_failed('0e000000-0000-0000-0000-000000000002', '2026-01-02 03:04:05+00');
select is((select (billing_status, last_payment_failed_at)::text from public.organizations where id = '0e000000-0000-0000-0000-000000000001'),
  (select ('payment_failed', '2026-01-02 03:04:05+00'::timestamptz)::text), 'mark_payment_failed records the status and when it failed');
select is((select billing_status from public.organizations where id = '0e000000-0000-0000-0000-000000000002'), 'cancelled',
  'mark_payment_failed leaves an organization out of service as it is');

-- A payment.
select billing.service_role_record_payment('0e000000-0000-0000-0000-000000000001', '2026-02-01', 'sub_w');
select is((select (billing_status, last_payment_at, next_billing_at)::text from public.organizations where id = '0e000000-0000-0000-0000-000000000001'),
  (select ('active', '2026-02-01'::timestamptz, '2030-01-01'::timestamptz)::text),
  'record_payment takes the subscription''s status and period end, and records the payment');
select billing.service_role_record_payment('0e000000-0000-0000-0000-000000000001', '2025-12-01', 'sub_w');
select is((select last_payment_at from public.organizations where id = '0e000000-0000-0000-0000-000000000001'), '2026-02-01'::timestamptz,
  'record_payment never moves the last payment back');
update public.organizations set billing_status = 'past_due' where id = '0e000000-0000-0000-0000-000000000001';
select billing.service_role_record_payment('0e000000-0000-0000-0000-000000000001', '2026-02-02', null);
select is((select billing_status from public.organizations where id = '0e000000-0000-0000-0000-000000000001'), 'active',
  'record_payment without a mirrored subscription puts a past-due organization back to active');

-- The plan and its limits.
select is((select plan_limits from public.organizations where id = '0e000000-0000-0000-0000-000000000001'), '{}'::jsonb,
  'the fixture starts with no limits applied');
select billing.service_role_take_subscription_plan('0e000000-0000-0000-0000-000000000001', 'sub_w');
select is((select (price_id, product_id, plan_limits)::text from public.organizations where id = '0e000000-0000-0000-0000-000000000001'),
  (select ('price_w2', 'prod_w', public.plan_limits_for('price_w2'))::text), 'take_subscription_plan takes the price, product and their limits');
select is((select plan_limits ->> 'seats' from public.organizations where id = '0e000000-0000-0000-0000-000000000001'), '10',
  'the price''s limit overrides the product''s');
update public.organizations set price_id = 'price_w1' where id = '0e000000-0000-0000-0000-000000000001';
select is((select plan_limits ->> 'seats' from public.organizations where id = '0e000000-0000-0000-0000-000000000001'), '3',
  'a price change applies the new plan''s limits (the trigger asks the one writer)');
select billing.service_role_apply_product('{"id": "prod_w", "name": "Plan W", "active": true, "metadata": {"limits.seats": "4"}}', now() + interval '1 minute');
select is((select plan_limits ->> 'seats' from public.organizations where id = '0e000000-0000-0000-0000-000000000001'), '4',
  'a product''s new limits reach the organizations on its prices');

-- The customer's details and the customer itself.
select billing.service_role_take_customer_details('0e000000-0000-0000-0000-000000000001', 'Org W Renamed', null);
select is((select (name, billing_email)::text from public.organizations where id = '0e000000-0000-0000-0000-000000000001'), '("Org W Renamed",)',
  'take_customer_details takes the name and keeps what is null');
select is(billing.service_role_link_customer('0e000000-0000-0000-0000-000000000001', 'cus_other', null), 'cus_w',
  'link_customer keeps a customer already linked and returns it');
select is(billing.service_role_link_customer('0e000000-0000-0000-0000-000000000001', 'cus_w2', 'cus_w'), 'cus_w2',
  'link_customer replaces the customer it is told was replaced');
select is(billing.service_role_link_customer('0e000000-0000-0000-0000-000000000002', 'cus_g', null), 'cus_g',
  'link_customer sets the customer of an organization that has none');

-- Cancelled.
select billing.service_role_mark_cancelled('0e000000-0000-0000-0000-000000000001', 'sub_older', '2026-03-01');
select is((select billing_status from public.organizations where id = '0e000000-0000-0000-0000-000000000001'), 'active',
  'mark_cancelled ignores a subscription that is no longer the organization''s');
select billing.service_role_mark_cancelled('0e000000-0000-0000-0000-000000000001', 'sub_w', '2026-03-01');
select is((select (billing_status, cancelled_at, next_billing_at)::text from public.organizations where id = '0e000000-0000-0000-0000-000000000001'),
  (select ('cancelled', '2026-03-01'::timestamptz, null::timestamptz)::text), 'mark_cancelled records when it ended and bills no more');

-- A new customer's organization.
insert into public.stripe_customers (id, email, name, metadata, deleted, raw, stripe_fetched_at)
values ('cus_new', 'new@example.test', 'New', '{}', false, '{}', now());
select is((select name from billing.service_role_create_customer_organization('cus_new', 'sub_new', 'New Co', 'new@example.test')), 'New Co',
  'create_customer_organization creates the organization');
select is((select count(*)::int from billing.service_role_create_customer_organization('cus_new', 'sub_new', 'Other Name', null) o
   join public.stripe_customers c on c.organization_id = o.id where o.name = 'New Co' and c.id = 'cus_new'),
  1, 'a second call finds the same organization, and the customer is linked to it');

select tests.reset_role();
select is(
  (select array_agg(p.proname::text order by p.proname) from pg_proc p
   where p.pronamespace = 'billing'::regnamespace and p.proname in ('service_role_mark_payment_failed', 'service_role_record_payment',
     'service_role_take_subscription_plan', 'service_role_mark_cancelled', 'service_role_take_customer_details', 'service_role_link_customer',
     'service_role_create_customer_organization', '_refresh_plan_limits')
     and (has_function_privilege('authenticated', p.oid, 'execute') or has_function_privilege('anon', p.oid, 'execute'))),
  null, 'no client role can execute a writer');
select is(
  (select array_agg(p.oid::regprocedure::text order by p.oid::regprocedure::text) from pg_proc p
   where p.pronamespace = 'billing'::regnamespace and not has_function_privilege('service_role', p.oid, 'execute')),
  null, 'the service role can execute every billing function, internal helpers included');

select * from finish();
rollback;
