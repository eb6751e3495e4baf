-- The two helpers public.has_active_entitlement is made of (20261130100400_entitlement_helpers.sql):
-- whether a billing status gives access, and whether a plan's limits grant a feature. The whole
-- function's behaviour is held by 21, 25, 31 and 33; these pin each helper's own rule.
begin;
\ir _helpers.psql
select plan(9);

select is(array[billing._plan_allows_feature('{"api": null}', 'api'), billing._plan_allows_feature('{"api": true}', 'api'),
    billing._plan_allows_feature('{"api": 2}', 'api'), billing._plan_allows_feature('{"api": "yes"}', 'api')],
  array[true, true, true, true], 'a plan grants a feature that is unlimited, true, above zero, or any other value');
select is(array[billing._plan_allows_feature('{"api": false}', 'api'), billing._plan_allows_feature('{"api": 0}', 'api'),
    billing._plan_allows_feature('{}', 'api')],
  array[false, false, false], 'a plan does not grant a feature that is false, zero or absent');

insert into public.organizations (id, name, billing_status, last_payment_failed_at) values
  ('0f000000-0000-0000-0000-000000000001', 'Active', 'active', null),
  ('0f000000-0000-0000-0000-000000000002', 'Paused', 'paused', null),
  ('0f000000-0000-0000-0000-000000000003', 'Cancelled', 'cancelled', null),
  ('0f000000-0000-0000-0000-000000000004', 'No status', null, null),
  ('0f000000-0000-0000-0000-000000000005', 'Failed lately', 'payment_failed', billing.product_now() - interval '1 day'),
  ('0f000000-0000-0000-0000-000000000006', 'Failed long ago', 'past_due', billing.product_now() - interval '30 days');
create function tests.access(p_id text) returns boolean language sql as $$
  select billing._status_allows_access(o) from public.organizations o where o.id = p_id::uuid
$$;
select ok(tests.access('0f000000-0000-0000-0000-000000000001'), 'an active organization has access');
select ok(not tests.access('0f000000-0000-0000-0000-000000000002'), 'a paused one has none (no grace)');
select ok(not tests.access('0f000000-0000-0000-0000-000000000003'), 'a cancelled one has none');
select ok(not tests.access('0f000000-0000-0000-0000-000000000004'), 'one with no billing status has none');
select ok(tests.access('0f000000-0000-0000-0000-000000000005'), 'a failed payment inside the grace period keeps access');
select ok(not tests.access('0f000000-0000-0000-0000-000000000006'), 'past the grace period access ends');
select is(
  (select array_agg(p.proname::text order by p.proname) from pg_proc p
   where p.pronamespace = 'billing'::regnamespace and p.proname in ('_status_allows_access', '_plan_allows_feature')
     and (has_function_privilege('authenticated', p.oid, 'execute') or has_function_privilege('anon', p.oid, 'execute'))),
  null, 'no client role can execute the helpers');

select * from finish();
rollback;
