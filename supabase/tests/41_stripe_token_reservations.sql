-- Stripe tokens by reservation: the next token is taken in one call whether or not it has come, with the
-- wait before sending; a wait past the caller's limit, or a paused bucket, reserves nothing.
begin;
select plan(8);

-- One token per 100 s: the seconds a loaded machine takes between these statements do not move the
-- waits out of their bounds (at 10 req/s a 30 ms stall turned 100 ms into 70).
update billing.stripe_rate_limits set requests_per_second = 0.01, burst = 2, tokens = 2, refilled_at = clock_timestamp(), paused_until = null
where bucket = 'test';

select is(billing.service_role_reserve_stripe_token('test', 1000000), 0, 'a token of the burst is sent at once');
select is(billing.service_role_reserve_stripe_token('test', 1000000), 0, 'the second too');
select ok((select w between 90000 and 100000 from billing.service_role_reserve_stripe_token('test', 1000000) w), 'the next is reserved, a token''s interval (100 s) on');
select ok((select w between 190000 and 200000 from billing.service_role_reserve_stripe_token('test', 1000000) w), 'the one after that, an interval later');
select cmp_ok(billing.service_role_reserve_stripe_token('test', 150), '<', -250, 'a wait past the caller''s limit is answered negative');
select cmp_ok((select tokens from billing.stripe_rate_limits where bucket = 'test'), '>', -2.1::numeric, 'and reserves nothing');

select billing.service_role_stripe_rate_limited('test', 5000);
select cmp_ok(billing.service_role_reserve_stripe_token('test', 60000), '<', -4000, 'after a 429 nothing is reserved until Retry-After');
select cmp_ok((select tokens from billing.stripe_rate_limits where bucket = 'test'), '<', -1.5::numeric,
  'a 429 keeps the reservations outstanding');
select * from finish();
rollback;
