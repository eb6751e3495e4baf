-- The drain job wakes stripe-sync within seconds of a dead worker's messages coming back, not at the
-- next cron minute. Workers read with a short visibility timeout (10 s by default) and renew it while
-- they work; when one dies its messages are visible again within that timeout. pg_cron 1.4 (the local
-- stack) has minute schedules only, so the job runs once a minute and ticks inside: every 5 s for 55 s
-- it looks for returned messages (visible again after a read) and calls stripe-sync when there are any,
-- committing after each tick so pg_net sends the call at once. Hosted pg_cron also accepts second
-- schedules; the same procedure with p_for_seconds => 0 can run on '5 seconds' there (README).

create function billing._sync_messages_returned() returns boolean
language sql
stable
set search_path = ''
as $$
  -- read_ct > 0: read before and visible again (its worker died, a retry's backoff ended, or a
  -- worker out of budget released it). Never-read messages have the webhook's kick and the first tick.
  select exists (select 1 from pgmq.q_stripe_events where vt <= now() and read_ct > 0)
$$;
comment on function billing._sync_messages_returned() is
  'True when stripe_events holds messages that were read before and are visible again: nobody is working on them.';
revoke execute on function billing._sync_messages_returned() from public, anon, authenticated;
grant execute on function billing._sync_messages_returned() to service_role;

-- No `set search_path` here: a procedure with a SET clause may not commit, and it commits after each
-- tick. Every name inside is schema-qualified, and it is security invoker (run by pg_cron as postgres).
create procedure billing.service_role_drain_loop(p_for_seconds integer default 55, p_every_seconds integer default 5)
language plpgsql
as $$
declare
  v_until timestamptz := clock_timestamp() + make_interval(secs => p_for_seconds);
  v_first boolean := true;
begin
  if p_every_seconds < 1 then
    raise exception 'p_every_seconds must be at least 1, not %', p_every_seconds using errcode = '22023';
  end if;
  loop
    -- The first tick always calls (what every minute's job did before: new messages whose kick was lost).
    if v_first or billing._sync_messages_returned() then
      perform billing.service_role_invoke_function('stripe-sync',
        jsonb_build_object('trigger', case when v_first then 'cron' else 'cron-returned' end));
    end if;
    commit;
    v_first := false;
    exit when clock_timestamp() + make_interval(secs => p_every_seconds) > v_until;
    perform pg_catalog.pg_sleep(p_every_seconds);
  end loop;
end
$$;
comment on procedure billing.service_role_drain_loop(integer, integer) is
  'The stripe-sync-drain job: calls stripe-sync now, then every p_every_seconds for p_for_seconds whenever read messages came back (a dead worker''s), committing each call.';
revoke execute on procedure billing.service_role_drain_loop(integer, integer) from public, anon, authenticated;
grant execute on procedure billing.service_role_drain_loop(integer, integer) to service_role;

select cron.schedule('stripe-sync-drain', '* * * * *', 'call billing.service_role_drain_loop()');
