-- Studio views and repair functions for the event pipeline (schema `ops`): queue health, dead
-- letters, recent failures, sync lag, and one-call replays. Only database admins (the roles Studio's
-- SQL editor uses) can reach them; no client role, not even service_role, is granted anything here.

create schema if not exists ops;
revoke all on schema ops from public, anon, authenticated, service_role;
alter default privileges in schema ops revoke execute on functions from public;
comment on schema ops is 'Views and functions for admins in Supabase Studio; not exposed to any API role.';

create view ops.queue_health as
  select m.queue_name, m.queue_length, m.newest_msg_age_sec, m.oldest_msg_age_sec, m.total_messages, m.scrape_time
  from pgmq.metrics_all() m;
comment on view ops.queue_health is 'Depth and age of the oldest message of every pgmq queue.';

create view ops.dead_letters as
  select id as event_id, type, customer_id, object_id, created, received_at, attempts, last_error
  from billing.stripe_events where status = 'dead'
  order by received_at desc;
comment on view ops.dead_letters is 'Events that failed too many times; replay with ops.replay_event(id) or ops.retry_dead_letters().';

create view ops.recent_failures as
  select id as event_id, type, customer_id, status, attempts, last_error, received_at
  from billing.stripe_events
  where status in ('failed', 'dead') and received_at > now() - interval '24 hours'
  order by received_at desc;
comment on view ops.recent_failures is 'Events that failed at least once in the last 24 hours, with their last error.';

create view ops.sync_lag as
  select
    count(*) as events_synced,
    percentile_cont(0.5) within group (order by extract(epoch from processed_at - received_at)) as p50_seconds,
    percentile_cont(0.95) within group (order by extract(epoch from processed_at - received_at)) as p95_seconds,
    percentile_cont(0.99) within group (order by extract(epoch from processed_at - received_at)) as p99_seconds,
    max(extract(epoch from processed_at - received_at)) as max_seconds
  from billing.stripe_events
  where processed_at > now() - interval '1 hour';
comment on view ops.sync_lag is 'Time from receiving an event to having synced it, over the last hour.';

create view ops.api_version_mismatches as
  select id as event_id, type, api_version, received_at from billing.stripe_events
  where api_version_mismatch order by received_at desc;
comment on view ops.api_version_mismatches is 'Events rendered for another Stripe API version than the pinned one.';

create function ops.replay_event(p_event_id text) returns bigint
language plpgsql
set search_path = ''
as $$
declare
  v_event billing.stripe_events;
  v_msg_id bigint;
begin
  select * into v_event from billing.stripe_events where id = p_event_id for update;
  if not found then
    raise exception 'no Stripe event %', p_event_id using errcode = 'P0002';
  end if;
  update billing.stripe_events set status = 'pending', attempts = 0, last_error = null, processed_at = null
  where id = p_event_id;
  select pgmq.send('stripe_events', jsonb_build_object('event_id', v_event.id, 'type', v_event.type,
    'customer_id', v_event.customer_id, 'object_id', v_event.object_id, 'replay', true)) into v_msg_id;
  return v_msg_id;
end
$$;
comment on function ops.replay_event(text) is 'Queues a recorded event again (dead, failed or processed); returns the new message id.';

create function ops.retry_dead_letters() returns integer
language plpgsql
set search_path = ''
as $$
declare
  v_count integer := 0;
  v_id text;
begin
  for v_id in select id from billing.stripe_events where status = 'dead' order by received_at loop
    perform ops.replay_event(v_id);
    v_count := v_count + 1;
  end loop;
  return v_count;
end
$$;
comment on function ops.retry_dead_letters() is 'Replays every dead-lettered event; returns how many.';

create function ops.resync_customer(p_customer_id text) returns bigint
language sql
set search_path = ''
as $$
  select pgmq.send('stripe_events', jsonb_build_object('event_id', null, 'type', 'ops.resync',
    'customer_id', p_customer_id, 'object_id', p_customer_id))
$$;
comment on function ops.resync_customer(text) is 'Queues a fresh sync of one Stripe customer from Stripe''s current state.';

revoke execute on all functions in schema ops from public, anon, authenticated, service_role;
