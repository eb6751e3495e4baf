-- Group commit for webhook ingest: concurrent deliveries share one multi-row insert and one commit, and
-- the insert enqueues the statement's new events with one pgmq.send_batch instead of one send per row.
-- The queue message keeps its shape; one function builds it.

create function billing.stripe_event_message(p_event billing.stripe_events) returns jsonb
language sql
immutable
set search_path = ''
as $$
  select jsonb_build_object('event_id', p_event.id, 'type', p_event.type, 'customer_id', p_event.customer_id,
    'object_id', p_event.object_id)
$$;
comment on function billing.stripe_event_message(billing.stripe_events) is
  'The stripe_events queue message for a recorded event (what the sync worker reads to route it).';
revoke execute on function billing.stripe_event_message(billing.stripe_events) from public, anon, authenticated;

drop trigger stripe_events_enqueue on billing.stripe_events;
drop function billing.tg_stripe_events__enqueue();

create function billing.tg_stripe_events__enqueue_batch() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  -- Same transaction as the insert: the events are queued exactly when they are recorded. Only rows
  -- actually inserted are in the transition table (duplicates skipped by on conflict are not).
  if exists (select 1 from new_events) then
    perform pgmq.send_batch('stripe_events', array(select billing.stripe_event_message(n) from new_events n));
  end if;
  return null;
end
$$;
comment on function billing.tg_stripe_events__enqueue_batch() is
  'Queues the newly recorded events of one insert statement for the sync worker, in one pgmq batch.';
revoke execute on function billing.tg_stripe_events__enqueue_batch() from public, anon, authenticated;

create trigger stripe_events_enqueue after insert on billing.stripe_events
  referencing new table as new_events
  for each statement execute function billing.tg_stripe_events__enqueue_batch();

create function billing.service_role_record_stripe_events(p_events jsonb) returns setof text
language sql
set search_path = ''
as $$
  insert into billing.stripe_events (id, type, api_version, api_version_mismatch, account, livemode, created,
    object_type, object_id, customer_id, payload, verified_by)
  select distinct on (r.id) r.id, r.type, r.api_version, r.api_version_mismatch, r.account, r.livemode, r.created,
    r.object_type, r.object_id, r.customer_id, r.payload, r.verified_by
  from jsonb_to_recordset(p_events) as r(id text, type text, api_version text, api_version_mismatch boolean,
    account text, livemode boolean, created timestamptz, object_type text, object_id text, customer_id text,
    payload jsonb, verified_by text)
  order by r.id
  on conflict (id) do nothing
  returning id
$$;
comment on function billing.service_role_record_stripe_events(jsonb) is
  'Records a group of verified events in one statement (one commit); an id absent from the result was a duplicate delivery.';
revoke execute on function billing.service_role_record_stripe_events(jsonb) from public, anon, authenticated;
grant execute on function billing.service_role_record_stripe_events(jsonb) to service_role;
