-- billing.service_role_apply_customer_state through its per-object helpers: one call mirrors the
-- customer, its subscription and its invoice, all carrying the customer's organization; an older fetch
-- changes none of them; an unknown user is none; a deleted organization stays deleted; and a client role
-- cannot call a helper directly.
begin;
\ir _helpers.psql
select plan(12);

insert into public.organizations (id, name) values ('0d000000-0000-0000-0000-000000000000', 'Org D');

create function tests.apply_d(p_status text, p_amount_paid bigint, p_at timestamptz) returns void language sql as $$
  select billing.service_role_apply_customer_state('cus_d',
    '{"id": "cus_d", "email": "d@example.test", "name": "D", "metadata": {"organization_id": "0d000000-0000-0000-0000-000000000000"}}',
    jsonb_build_array(jsonb_build_object('id', 'sub_d', 'status', p_status, 'created', 1700000000, 'cancel_at_period_end', false,
      'items', jsonb_build_object('data', jsonb_build_array(jsonb_build_object('quantity', 2,
        'current_period_start', 1700000000, 'current_period_end', 1702592000,
        'price', jsonb_build_object('id', 'price_d', 'currency', 'usd', 'unit_amount', 500, 'metadata', '{}'::jsonb,
          'recurring', jsonb_build_object('interval', 'month', 'interval_count', 1),
          'product', jsonb_build_object('id', 'prod_d', 'name', 'Plan D', 'active', true, 'metadata', '{}'::jsonb))))))),
    jsonb_build_array(jsonb_build_object('id', 'in_d', 'status', 'paid', 'currency', 'usd', 'amount_due', 1000,
      'amount_paid', p_amount_paid, 'amount_remaining', 0, 'attempt_count', 1, 'created', 1700000100,
      'status_transitions', jsonb_build_object('paid_at', 1700000200),
      'parent', jsonb_build_object('subscription_details', jsonb_build_object('subscription', 'sub_d')))),
    p_at)
$$;

select tests.apply_d('active', 1000, now() - interval '5 minutes');
select is((select (organization_id, email, deleted)::text from public.stripe_customers where id = 'cus_d'),
  '(0d000000-0000-0000-0000-000000000000,d@example.test,f)', '_apply_customer mirrors the customer with its organization');
select is((select stripe_customer_id from public.organizations where id = '0d000000-0000-0000-0000-000000000000'), 'cus_d',
  '_apply_customer links the organization to the customer');
select is((select (organization_id, status, price_id, product_id, quantity, current_period_end)::text from public.stripe_subscriptions where id = 'sub_d'),
  (select ('0d000000-0000-0000-0000-000000000000'::uuid, 'active', 'price_d', 'prod_d', 2, to_timestamp(1702592000))::text),
  '_apply_subscriptions mirrors the subscription, with the organization and the item''s period');
select ok(exists (select 1 from public.stripe_prices where id = 'price_d'), '_apply_subscriptions mirrors the item''s price');
select is((select (organization_id, subscription_id, amount_paid, paid_at)::text from public.stripe_invoices where id = 'in_d'),
  (select ('0d000000-0000-0000-0000-000000000000'::uuid, 'sub_d', 1000::bigint, to_timestamp(1700000200))::text),
  '_apply_invoices mirrors the invoice, with the organization and its subscription');
select is((select billing_status from public.organizations where id = '0d000000-0000-0000-0000-000000000000'), 'active',
  'the organization is refreshed from what the helpers wrote');

select tests.apply_d('canceled', 1, now() - interval '10 minutes');
select is((select status from public.stripe_subscriptions where id = 'sub_d'), 'active', 'an older fetch changes no subscription');
select is((select amount_paid from public.stripe_invoices where id = 'in_d'), 1000::bigint, 'an older fetch changes no invoice');
select billing.service_role_apply_customer_state('cus_d', '{"id": "cus_d", "email": "older@example.test", "name": "Older", "metadata": {}}',
  '[]', '[]', now() - interval '15 minutes');
select is((select (email, name)::text from public.stripe_customers where id = 'cus_d'), '(d@example.test,D)', 'an older fetch changes no customer');

-- A metadata.user_id that names no Auth user (a typo in the Dashboard, a deleted user) is mirrored as none.
select billing.service_role_apply_customer_state('cus_ghost',
  '{"id": "cus_ghost", "email": "ghost@example.test", "metadata": {"user_id": "0e000000-0000-0000-0000-00000000dead"}}', '[]', '[]', now());
select is((select user_id from public.stripe_customers where id = 'cus_ghost'), null, 'a metadata.user_id that is no Auth user is mirrored as no user');

-- An organization whose data was deleted stays deleted, whatever Stripe later says of its subscription.
select billing.service_role_delete_organization_data('0d000000-0000-0000-0000-000000000000');
select tests.apply_d('active', 1000, now());
select is((select billing_status from public.organizations where id = '0d000000-0000-0000-0000-000000000000'), 'deleted',
  'a deleted organization stays deleted when a newer fetch shows an active subscription');

select is(
  (select array_agg(p.proname::text order by p.proname) from pg_proc p
   where p.pronamespace = 'billing'::regnamespace and p.proname in ('_apply_customer', '_apply_subscriptions', '_apply_invoices')
     and (has_function_privilege('authenticated', p.oid, 'execute') or has_function_privilege('anon', p.oid, 'execute'))),
  null, 'no client role can execute the helpers');

select * from finish();
rollback;
