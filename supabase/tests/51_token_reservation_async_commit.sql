-- A token reservation's transaction commits without waiting for the flush (synchronous_commit off, for
-- that transaction only), so the bucket's row is not held through a WAL flush; a 429's pause stays durable.
begin;
\ir _helpers.psql
select plan(4);

update billing.stripe_rate_limits set requests_per_second = 100, burst = 100, tokens = 100, refilled_at = clock_timestamp(), paused_until = null
where bucket = 'test';

-- The test cluster runs with synchronous_commit off (fast tests; the bench asserts a durable one): on here,
-- as a hosted database has it.
set local synchronous_commit = on;
select billing.service_role_stripe_rate_limited('test', 0);
select is(current_setting('synchronous_commit'), 'on', 'recording a 429 leaves the commit durable');
update billing.stripe_rate_limits set tokens = 100, refilled_at = clock_timestamp(), paused_until = null where bucket = 'test';
select is(billing.service_role_reserve_stripe_token('test', 1000), 0, 'a token is reserved');
select is(current_setting('synchronous_commit'), 'off', 'and its transaction commits without waiting for the flush');
select ok(
  (select proconfig = array['search_path=""'] from pg_proc where oid = 'billing.service_role_reserve_stripe_token(text,integer)'::regprocedure),
  'set in the body, not as a SET clause (which would undo it before the commit)');

select * from finish();
rollback;
