-- The queue message builder (billing.sync_queue_message, 20261130100300) is called by the inbox's
-- enqueue trigger once per recorded event. It was a SQL function with a SET clause: Postgres never
-- inlines such a function and plans its body on every statement that calls it, so the webhook's record
-- planned it again for every group (at 50 events/s, for every event). The mirror's helpers had the same
-- defect and became plpgsql for it (20261203130200); this is their sibling. As plpgsql its expression is
-- planned once per connection and the plan kept. Same arguments, same message, same volatility and
-- search_path.
-- Measured on the local stack, backend CPU per one-event record (billing.service_role_record_stripe_events,
-- synchronous_commit off to leave the flush out, 2,000 calls per round, six rounds of each alternated, a
-- fresh connection per round): 527-574 us before, 443-512 us after.
create or replace function billing.sync_queue_message(p_type text, p_customer_id text, p_object_id text, p_event_id text default null,
  p_replay boolean default false) returns jsonb
language plpgsql
immutable
set search_path = ''
as $$
begin
  return jsonb_build_object('event_id', p_event_id, 'type', p_type, 'customer_id', p_customer_id, 'object_id', p_object_id)
    || case when p_replay then '{"replay": true}'::jsonb else '{}'::jsonb end;
end
$$;
