-- The shared Stripe token bucket: grants up to its burst, then asks callers to wait; a 429 pauses it.
begin;
select plan(8);

update billing.stripe_rate_limits set requests_per_second = 1, burst = 3, tokens = 3, refilled_at = clock_timestamp(), paused_until = null
where bucket = 'test';

select is(billing.service_role_take_stripe_token('test'), 0, 'the first token of the burst is granted');
select is(billing.service_role_take_stripe_token('test'), 0, 'the second token is granted');
select is(billing.service_role_take_stripe_token('test'), 0, 'the third token is granted');
select cmp_ok(billing.service_role_take_stripe_token('test'), '>', 0, 'an empty bucket answers with a wait');

update billing.stripe_rate_limits set tokens = 3 where bucket = 'test';
select billing.service_role_stripe_rate_limited('test', 5000);
select cmp_ok(billing.service_role_take_stripe_token('test'), '>', 4000, 'after a 429 every caller waits for Retry-After');

select throws_ok($$ select billing.service_role_take_stripe_token('sandbox') $$, '22023', null, 'an unknown bucket is an error');

-- Test files may have buckets of their own (test:<name>); nothing else is a bucket.
select lives_ok($$insert into billing.stripe_rate_limits (bucket, requests_per_second, burst, tokens) values ('test:sync_file_1', 25, 25, 25)$$,
  'a test file may make a test:<name> bucket of its own');
select throws_ok($$insert into billing.stripe_rate_limits (bucket, requests_per_second, burst, tokens) values ('prod', 25, 25, 25)$$,
  '23514', null, 'a bucket other than test, live or test:<name> is refused');
select * from finish();
rollback;
