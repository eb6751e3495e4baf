-- The sync's write path and the entitlement helpers: plan limits from metadata, never going backwards,
-- Stripe statuses mapped to the organization, deletions, and has_active_entitlement through a plan
-- change, a payment failure inside and past the grace period, and a cancellation.
begin;
\ir _helpers.psql
select plan(16);

select tests.create_organization_with_admin('0c000000-0000-0000-0000-000000000000', 'Org C', 'c0000000-0000-0000-0000-00000000000c', 'owner@example.test');

create function tests.sub(p_status text, p_price text, p_limits jsonb) returns jsonb language sql as $$
  select jsonb_build_array(jsonb_build_object('id', 'sub_c', 'status', p_status, 'created', 1700000000, 'cancel_at_period_end', false,
    'items', jsonb_build_object('data', jsonb_build_array(jsonb_build_object('quantity', 1,
      'current_period_start', 1700000000, 'current_period_end', 1702592000,
      'price', jsonb_build_object('id', p_price, 'nickname', p_price, 'currency', 'usd', 'unit_amount', 1000, 'metadata', '{}'::jsonb,
        'recurring', jsonb_build_object('interval', 'month', 'interval_count', 1),
        'product', jsonb_build_object('id', 'prod_' || p_price, 'name', 'Plan ' || p_price, 'active', true, 'metadata', p_limits)))))))
$$;
create function tests.apply(p_status text, p_price text, p_limits jsonb, p_at timestamptz) returns void language sql as $$
  select billing.service_role_apply_customer_state('cus_c',
    '{"id": "cus_c", "email": "owner@example.test", "metadata": {"organization_id": "0c000000-0000-0000-0000-000000000000"}}',
    tests.sub(p_status, p_price, p_limits), '[]', p_at)
$$;

select tests.apply('active', 'basic', '{"limits.projects": "3", "limits.api": "false"}', now() - interval '10 minutes');
select is((select billing_status from public.organizations where id = '0c000000-0000-0000-0000-000000000000'), 'active', 'an active subscription makes the organization active');
select is((select plan_limits from public.organizations where id = '0c000000-0000-0000-0000-000000000000'), '{"projects": 3, "api": false}'::jsonb,
  'plan limits come from the product''s metadata');
select is((select stripe_customer_id from public.organizations where id = '0c000000-0000-0000-0000-000000000000'), 'cus_c', 'the customer is linked to its organization');

select tests.authenticate_as('c0000000-0000-0000-0000-00000000000c');
select ok(public.has_active_entitlement('0c000000-0000-0000-0000-000000000000', 'projects'), 'a plan with 3 projects grants projects');
select ok(not public.has_active_entitlement('0c000000-0000-0000-0000-000000000000', 'api'), 'a plan with api=false does not grant api');
select tests.reset_role();

select tests.apply('active', 'pro', '{"limits.projects": "unlimited", "limits.api": "true"}', now() - interval '9 minutes');
select is((select plan_limits from public.organizations where id = '0c000000-0000-0000-0000-000000000000'), '{"projects": null, "api": true}'::jsonb,
  'a plan change applies the new plan''s limits');

-- Older data arriving late changes nothing.
select tests.apply('canceled', 'basic', '{}', now() - interval '30 minutes');
select is((select status from public.stripe_subscriptions where id = 'sub_c'), 'active', 'a subscription fetched earlier does not overwrite a newer one');
select is((select price_id from public.organizations where id = '0c000000-0000-0000-0000-000000000000'), 'pro', 'nor the organization''s plan');

select tests.authenticate_as('c0000000-0000-0000-0000-00000000000c');
select ok(public.has_active_entitlement('0c000000-0000-0000-0000-000000000000', 'api'), 'after the upgrade api is granted');
select tests.reset_role();

update public.organizations set billing_status = 'payment_failed', last_payment_failed_at = now() - interval '2 days'
where id = '0c000000-0000-0000-0000-000000000000';
select tests.apply('past_due', 'pro', '{"limits.projects": "unlimited", "limits.api": "true"}', now() - interval '8 minutes');
select is((select billing_status from public.organizations where id = '0c000000-0000-0000-0000-000000000000'), 'payment_failed',
  'a past_due subscription keeps the payment_failed status the dunning workflow set');
select tests.authenticate_as('c0000000-0000-0000-0000-00000000000c');
select ok(public.has_active_entitlement('0c000000-0000-0000-0000-000000000000', 'api'), 'two days after a failed payment access continues (grace period)');
select tests.reset_role();
update public.organizations set last_payment_failed_at = now() - interval '8 days' where id = '0c000000-0000-0000-0000-000000000000';
select tests.authenticate_as('c0000000-0000-0000-0000-00000000000c');
select ok(not public.has_active_entitlement('0c000000-0000-0000-0000-000000000000', 'api'), 'past the 7-day grace period access ends');
select tests.reset_role();

select tests.apply('canceled', 'pro', '{"limits.projects": "unlimited", "limits.api": "true"}', now() - interval '7 minutes');
select is((select billing_status from public.organizations where id = '0c000000-0000-0000-0000-000000000000'), 'cancelled', 'a canceled subscription cancels the organization');
select tests.authenticate_as('c0000000-0000-0000-0000-00000000000c');
select ok(not public.has_active_entitlement('0c000000-0000-0000-0000-000000000000', 'projects'), 'a cancelled organization has no entitlements');
select tests.reset_role();

select tests.create_user('d0000000-0000-0000-0000-00000000000d', 'stranger@example.test');
select tests.authenticate_as('d0000000-0000-0000-0000-00000000000d');
select ok(not public.has_active_entitlement('0c000000-0000-0000-0000-000000000000', 'projects'), 'a non-member learns nothing of another organization''s entitlements');
select tests.reset_role();

select billing.service_role_apply_customer_state('cus_c', null, '[]', '[]', now());
select ok((select deleted from public.stripe_customers where id = 'cus_c'), 'a customer Stripe reports gone is marked deleted');

select * from finish();
rollback;
