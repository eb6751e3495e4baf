-- One Stripe API rate limiter for every worker: a token bucket per mode (test, live) held in Postgres.
-- Each Stripe call takes a token first; a 429 from Stripe empties the bucket and pauses it, so all
-- workers slow down together (DESIGN rule 8). Rates are rows, changeable at run time.

create table billing.stripe_rate_limits (
  bucket text primary key check (bucket in ('test', 'live')),
  requests_per_second numeric not null check (requests_per_second > 0),
  burst numeric not null check (burst >= 1),
  tokens numeric not null,
  refilled_at timestamptz not null default clock_timestamp(),
  paused_until timestamptz
);
alter table billing.stripe_rate_limits enable row level security;
comment on table billing.stripe_rate_limits is
  'Token buckets shared by every worker calling Stripe; Stripe allows 25 req/s in test mode and 100 in live mode.';
comment on column billing.stripe_rate_limits.paused_until is 'Set after a 429 from Stripe: no tokens until then.';

insert into billing.stripe_rate_limits (bucket, requests_per_second, burst, tokens) values
  ('test', 25, 25, 25),
  ('live', 100, 100, 100);

create function billing.service_role_take_stripe_token(p_bucket text) returns integer
language plpgsql
set search_path = ''
as $$
declare
  v_now timestamptz := clock_timestamp();
  v_row billing.stripe_rate_limits;
  v_tokens numeric;
begin
  select * into v_row from billing.stripe_rate_limits where bucket = p_bucket for update;
  if not found then
    raise exception 'unknown Stripe rate-limit bucket %', p_bucket using errcode = '22023';
  end if;
  if v_row.paused_until is not null and v_row.paused_until > v_now then
    return ceil(extract(epoch from v_row.paused_until - v_now) * 1000)::integer;
  end if;
  v_tokens := least(v_row.burst, v_row.tokens + extract(epoch from v_now - v_row.refilled_at) * v_row.requests_per_second);
  if v_tokens >= 1 then
    update billing.stripe_rate_limits set tokens = v_tokens - 1, refilled_at = v_now, paused_until = null
    where bucket = p_bucket;
    return 0;
  end if;
  update billing.stripe_rate_limits set tokens = v_tokens, refilled_at = v_now where bucket = p_bucket;
  return greatest(1, ceil((1 - v_tokens) / v_row.requests_per_second * 1000))::integer;
end
$$;
comment on function billing.service_role_take_stripe_token(text) is
  'Takes one token for a Stripe call: returns 0 when granted, else the milliseconds to wait before asking again.';

create function billing.service_role_stripe_rate_limited(p_bucket text, p_retry_after_ms integer) returns void
language sql
set search_path = ''
as $$
  update billing.stripe_rate_limits
  set tokens = 0,
      refilled_at = clock_timestamp(),
      paused_until = greatest(coalesce(paused_until, clock_timestamp()), clock_timestamp() + make_interval(secs => greatest(p_retry_after_ms, 0) / 1000.0))
  where bucket = p_bucket
$$;
comment on function billing.service_role_stripe_rate_limited(text, integer) is
  'Records a 429 from Stripe: empties the bucket and pauses every worker for the given time.';

revoke execute on function billing.service_role_take_stripe_token(text) from public, anon, authenticated;
revoke execute on function billing.service_role_stripe_rate_limited(text, integer) from public, anon, authenticated;
grant execute on function billing.service_role_take_stripe_token(text) to service_role;
grant execute on function billing.service_role_stripe_rate_limited(text, integer) to service_role;
