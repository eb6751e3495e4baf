-- A token reservation commits without waiting for its WAL to reach disk (synchronous_commit off for its
-- own transaction). The bucket's row is locked from the reservation's update until its commit, so every
-- other reservation queued behind a flush: at a flood of webhooks, eight sync lanes reserving together
-- waited about 1 ms each on the row (2,366 of 2,830 ms over 2,454 reservations), and each reservation's
-- flush took its turn at the WAL beside the webhook's commits, whose acks waited on them.
-- Why this is safe: the bucket is a rate governor, not a record. Other sessions see a committed reservation
-- at once, as before (only its flush is later; any later durable commit, or the WAL writer within
-- 3 x wal_writer_delay, flushes it). A crash of Postgres can forget the reservations of that last moment:
-- the bucket then grants their slots again, a burst of calls Stripe may answer with a 429, which pauses
-- every worker (service_role_stripe_rate_limited, still a durable commit) and is retried. No event, ack,
-- mirror row or workflow depends on it. set_config(..., true) lasts until the end of the caller's
-- transaction only: the limiter calls this alone on its own pool (_shared/stripe/limiter.ts), so that
-- transaction is the reservation.
-- Measured on the local stack, 10,000 spread events of 1,000 customers at concurrency 16 with the sync
-- draining at a 100 req/s bucket, four rounds of each alternated: acks/s 976-1,085 before, 1,000-1,280
-- after; ack p99 52-74 ms before, 45-62 ms after; WAL flushes during the flood 3,187-3,440 before,
-- 2,451-2,787 after; the limiter's Postgres CPU 0.095-0.098 ms per event before, 0.053-0.060 after.
create or replace function billing.service_role_reserve_stripe_token(p_bucket text, p_max_wait_ms integer) returns integer
language plpgsql
set search_path = ''
as $$
declare
  v_now timestamptz := clock_timestamp();
  v_row billing.stripe_rate_limits;
  v_tokens numeric;
  v_wait integer;
begin
  perform pg_catalog.set_config('synchronous_commit', 'off', true);
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
  'Reserves the next token for a Stripe call: returns the milliseconds to wait before sending (0: at once); a negative number when nothing was reserved (paused after a 429, or the wait would pass p_max_wait_ms), its absolute value the milliseconds until asking again makes sense. Its transaction commits without waiting for the flush (synchronous_commit off, local): call it alone, not inside a transaction whose writes must be durable.';
