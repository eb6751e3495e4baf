-- A paused subscription (a trial that ended without a payment method) is not entitled: the organization
-- is `paused`, not `past_due`, and gets no failed-payment grace period; paying resumes it.
begin;
\ir _helpers.psql
select plan(5);

select tests.create_organization_with_admin('0d000000-0000-0000-0000-000000000000', 'Org D', 'd0000000-0000-0000-0000-00000000000d', 'paused@example.test');

create function tests.apply_d(p_status text, p_at timestamptz) returns void language sql as $$
  select billing.service_role_apply_customer_state('cus_d',
    '{"id": "cus_d", "email": "paused@example.test", "metadata": {"organization_id": "0d000000-0000-0000-0000-000000000000"}}',
    jsonb_build_array(jsonb_build_object('id', 'sub_d', 'status', p_status, 'created', 1700000000, 'cancel_at_period_end', false,
      'trial_end', 1700600000,
      'items', jsonb_build_object('data', jsonb_build_array(jsonb_build_object('quantity', 1,
        'current_period_start', 1700000000, 'current_period_end', 1702592000,
        'price', jsonb_build_object('id', 'price_d', 'nickname', 'd', 'currency', 'usd', 'unit_amount', 1000, 'metadata', '{}'::jsonb,
          'recurring', jsonb_build_object('interval', 'month', 'interval_count', 1),
          'product', jsonb_build_object('id', 'prod_d', 'name', 'Plan D', 'active', true, 'metadata', '{"limits.projects": "3"}'::jsonb))))))),
    '[]', p_at)
$$;

select tests.apply_d('trialing', now() - interval '10 minutes');
select tests.authenticate_as('d0000000-0000-0000-0000-00000000000d');
select ok(public.has_active_entitlement('0d000000-0000-0000-0000-000000000000', 'projects'), 'a trialing organization is entitled');
select tests.reset_role();

-- The trial ends without a payment method a moment ago: well inside any grace period.
select tests.apply_d('paused', now() - interval '5 minutes');
select is((select billing_status from public.organizations where id = '0d000000-0000-0000-0000-000000000000'), 'paused',
  'a paused subscription makes the organization paused, not past_due');
select tests.authenticate_as('d0000000-0000-0000-0000-00000000000d');
select ok(not public.has_active_entitlement('0d000000-0000-0000-0000-000000000000', 'projects'),
  'a paused organization loses its entitlements at once (no grace period)');
select tests.reset_role();

select tests.apply_d('active', now() - interval '1 minute');
select is((select billing_status from public.organizations where id = '0d000000-0000-0000-0000-000000000000'), 'active',
  'once a payment method resumes it, the organization is active again');
select tests.authenticate_as('d0000000-0000-0000-0000-00000000000d');
select ok(public.has_active_entitlement('0d000000-0000-0000-0000-000000000000', 'projects'), 'and entitled again');
select tests.reset_role();

select * from finish();
rollback;
