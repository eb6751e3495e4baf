-- Stripe tokens taken by reservation: at the bucket's rate every caller used to ask, learn the wait, sleep
-- and ask again, and the callers woken together raced for the one token that had come (eight sync lanes
-- at 100 req/s: several round trips on the bucket's row per token granted). A caller now takes the next
-- token whether or not it has come, in one call, and learns how long to wait before sending; the bucket's
-- tokens go below zero by the reservations outstanding, so the calls still leave at the bucket's rate,
-- in the order they were reserved.

create function billing.service_role_reserve_stripe_token(p_bucket text, p_max_wait_ms integer) returns integer
language plpgsql
set search_path = ''
as $$
declare
  v_now timestamptz := clock_timestamp();
  v_row billing.stripe_rate_limits;
  v_tokens numeric;
  v_wait integer;
begin
  select * into v_row from billing.stripe_rate_limits where bucket = p_bucket for update;
  if not found then
    raise exception 'unknown Stripe rate-limit bucket %', p_bucket using errcode = '22023';
  end if;
  -- Paused after a 429: nothing is reserved; ask again when the pause ends.
  if v_row.paused_until is not null and v_row.paused_until > v_now then
    return -greatest(1, ceil(extract(epoch from v_row.paused_until - v_now) * 1000)::integer);
  end if;
  v_tokens := least(v_row.burst, v_row.tokens + extract(epoch from v_now - v_row.refilled_at) * v_row.requests_per_second) - 1;
  v_wait := case when v_tokens >= 0 then 0 else ceil(-v_tokens / v_row.requests_per_second * 1000)::integer end;
  if v_wait > p_max_wait_ms then
    return -v_wait;
  end if;
  update billing.stripe_rate_limits set tokens = v_tokens, refilled_at = v_now, paused_until = null where bucket = p_bucket;
  return v_wait;
end
$$;
comment on function billing.service_role_reserve_stripe_token(text, integer) is
  'Reserves the next token for a Stripe call: returns the milliseconds to wait before sending (0: at once); a negative number when nothing was reserved (paused after a 429, or the wait would pass p_max_wait_ms), its absolute value the milliseconds until asking again makes sense.';

-- Changed: a 429 keeps the reservations outstanding (tokens below zero stay so) instead of forgiving them.
create or replace function billing.service_role_stripe_rate_limited(p_bucket text, p_retry_after_ms integer) returns void
language sql
set search_path = ''
as $$
  update billing.stripe_rate_limits
  set tokens = least(tokens, 0),
      refilled_at = clock_timestamp(),
      paused_until = greatest(coalesce(paused_until, clock_timestamp()), clock_timestamp() + make_interval(secs => greatest(p_retry_after_ms, 0) / 1000.0))
  where bucket = p_bucket
$$;
comment on function billing.service_role_stripe_rate_limited(text, integer) is
  'Records a 429 from Stripe: empties the bucket (keeping reservations outstanding) and pauses every worker for the given time.';

revoke execute on function billing.service_role_reserve_stripe_token(text, integer) from public, anon, authenticated;
grant execute on function billing.service_role_reserve_stripe_token(text, integer) to service_role;
