-- A customer deleted in Stripe takes its cancelled subscriptions and its organization with it, and an
-- organization created after its customer was synced gets the state the mirror holds (not the event's).
begin;
\ir _helpers.psql
select plan(12);

insert into public.organizations (id, name) values ('0e000000-0000-0000-0000-000000000000', 'Org E');

create function tests.sub_e(p_id text, p_status text, p_extra jsonb default '{}') returns jsonb language sql as $$
  select jsonb_build_object('id', p_id, 'status', p_status, 'created', 1700000000, 'cancel_at_period_end', false,
    'items', jsonb_build_object('data', jsonb_build_array(jsonb_build_object('quantity', 1,
      'current_period_start', 1700000000, 'current_period_end', 1702592000,
      'price', jsonb_build_object('id', 'price_e', 'nickname', 'E monthly', 'currency', 'usd', 'unit_amount', 1000, 'metadata', '{}'::jsonb,
        'recurring', jsonb_build_object('interval', 'month', 'interval_count', 1),
        'product', jsonb_build_object('id', 'prod_e', 'name', 'Plan E', 'active', true, 'metadata', '{}'::jsonb)))))) || p_extra
$$;

select billing.service_role_apply_customer_state('cus_e',
  '{"id": "cus_e", "email": "e@example.test", "metadata": {"organization_id": "0e000000-0000-0000-0000-000000000000"}}',
  jsonb_build_array(tests.sub_e('sub_e', 'active')), '[]', now() - interval '1 minute');
select is((select billing_status from public.organizations where id = '0e000000-0000-0000-0000-000000000000'), 'active', 'the subscribed organization is active');

-- Stripe deleted the customer and cancelled the subscription; the sync fetched the subscription by id.
select billing.service_role_apply_customer_state('cus_e', null,
  jsonb_build_array(tests.sub_e('sub_e', 'canceled', '{"canceled_at": 1701000000, "ended_at": 1701000000}')), '[]', now());
select ok((select deleted from public.stripe_customers where id = 'cus_e'), 'the customer is marked deleted');
select is((select status from public.stripe_subscriptions where id = 'sub_e'), 'canceled', 'its subscription is mirrored cancelled');
select is((select row(billing_status, cancelled_at, next_billing_at)::text from public.organizations where id = '0e000000-0000-0000-0000-000000000000'),
  row('cancelled', to_timestamp(1701000000), null::timestamptz)::text, 'its organization is cancelled, with the end date and no next bill');
select is((select plan_name from public.organizations where id = '0e000000-0000-0000-0000-000000000000'), 'Plan E', 'the plan it had is kept for the record');

-- A customer deleted before the mirror ever had it: its last snapshot (from the inbox) names its organization.
insert into public.organizations (id, name) values ('0d000000-0000-0000-0000-000000000000', 'Org D');
select billing.service_role_apply_customer_state('cus_d',
  '{"id": "cus_d", "email": "d@example.test", "deleted": true, "metadata": {"organization_id": "0d000000-0000-0000-0000-000000000000"}}',
  jsonb_build_array(tests.sub_e('sub_d', 'canceled', '{"canceled_at": 1701000000, "ended_at": 1701000000}')), '[]', now());
select is((select row(deleted, email, organization_id)::text from public.stripe_customers where id = 'cus_d'),
  row(true, 'd@example.test', '0d000000-0000-0000-0000-000000000000'::uuid)::text, 'a never-synced deleted customer is mirrored from its last snapshot');
select is((select row(stripe_customer_id, billing_status)::text from public.organizations where id = '0d000000-0000-0000-0000-000000000000'),
  row('cus_d', 'cancelled')::text, 'and its organization is linked to it and cancelled');

-- A customer synced before any organization existed, with an incomplete subscription (first payment not made).
select billing.service_role_apply_customer_state('cus_f', '{"id": "cus_f", "email": "f@example.test", "metadata": {}}',
  jsonb_build_array(tests.sub_e('sub_f', 'incomplete')), '[]', now());
insert into public.organizations (id, name, stripe_customer_id, billing_status) values ('0f000000-0000-0000-0000-000000000000', 'Org F', 'cus_f', null);
select billing.service_role_refresh_organization_billing('0f000000-0000-0000-0000-000000000000');
select is((select row(billing_status, price_id, stripe_subscription_id)::text from public.organizations where id = '0f000000-0000-0000-0000-000000000000'),
  row(null::text, 'price_e', 'sub_f')::text, 'an incomplete subscription gives a new organization its plan but no billing status');
select ok(not public.has_active_entitlement('0f000000-0000-0000-0000-000000000000', 'anything'), 'and no entitlements');

select billing.service_role_apply_customer_state('cus_f', '{"id": "cus_f", "email": "f@example.test", "metadata": {}}',
  jsonb_build_array(tests.sub_e('sub_f', 'trialing', '{"trial_end": 1702592000}')), '[]', now() + interval '1 second');
select is((select row(billing_status, trial_ends_at)::text from public.organizations where id = '0f000000-0000-0000-0000-000000000000'),
  row('trialing', to_timestamp(1702592000))::text, 'once Stripe says it is trialing, so does the organization');

-- Org E starts over with a new customer (the web app's checkout after the old one was deleted); a late
-- sync of the deleted one leaves the organization to its new customer.
update public.organizations set stripe_customer_id = 'cus_e2', billing_status = 'active' where id = '0e000000-0000-0000-0000-000000000000';
select billing.service_role_apply_customer_state('cus_e', null,
  jsonb_build_array(tests.sub_e('sub_e', 'canceled', '{"canceled_at": 1701000000, "ended_at": 1701000000}')), '[]', now() + interval '1 minute');
select is((select row(stripe_customer_id, billing_status)::text from public.organizations where id = '0e000000-0000-0000-0000-000000000000'),
  row('cus_e2', 'active')::text, 'a late sync of a replaced customer does not touch the organization');

select tests.authenticate_as(tests.create_user('e0000000-0000-0000-0000-00000000000e', 'e-user@example.test'));
select throws_ok($$ select billing.service_role_refresh_organization_billing('0f000000-0000-0000-0000-000000000000') $$, '42501', null,
  'clients cannot call the refresh');
select tests.reset_role();

select * from finish();
rollback;
