-- The webhook's record path planned its statements again on every group. A perf profile of the webhook's
-- backends during an ingest run: a quarter of their CPU was parsing and planning. Two sources:
--  1. billing.service_role_record_stripe_events was a SQL function with a SET clause: Postgres never
--     inlines such a function and (before 18) plans its body on every call. As plpgsql, its insert is
--     planned once per connection and the plan kept.
--  2. The enqueue trigger called pgmq.send_batch, whose body runs the insert through EXECUTE (dynamic
--     SQL, parsed and planned each call, 14% of the profile). The trigger now inserts into the queue's
--     table itself, the statement pgmq's send_batch runs: the columns (vt, message) are the same in hosted
--     pgmq 1.4 and the local 1.11 (the sync already reads that table with its own statement, sync/queue.ts);
--     a message is visible at once (vt = now), as send_batch without a delay makes it.
-- Backend CPU per event of the record function (8-event groups of real bench payloads, /proc of the
-- backend, 2,400 events each): 137-142 us before, 88-100 us after (plpgsql alone: 125-133 us; the
-- trigger alone: 96-117 us). What each statement does is unchanged.
create or replace function billing.service_role_record_stripe_events(p_events jsonb) returns setof text
language plpgsql
set search_path = ''
as $$
begin
  return query
  insert into billing.stripe_events (id, type, api_version, api_version_mismatch, account, livemode, created,
    object_type, object_id, customer_id, payload, verified_by)
  select distinct on (r.id) r.id, r.type, r.api_version, r.api_version_mismatch, r.account, r.livemode, r.created,
    r.object_type, r.object_id, r.customer_id, r.payload, r.verified_by
  from jsonb_to_recordset(p_events) as r(id text, type text, api_version text, api_version_mismatch boolean,
    account text, livemode boolean, created timestamptz, object_type text, object_id text, customer_id text,
    payload jsonb, verified_by text)
  order by r.id
  on conflict (id) do nothing
  returning id;
end
$$;
comment on function billing.service_role_record_stripe_events(jsonb) is
  'Records a group of verified events in one statement (one commit); an id absent from the result was a duplicate delivery. plpgsql so that its plan is kept per connection.';

create or replace function billing.tg_stripe_events__enqueue_batch() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  -- Same transaction as the insert: the events are queued exactly when they are recorded. Only rows
  -- actually inserted are in the transition table (duplicates skipped by on conflict are not). The
  -- statement pgmq's send_batch runs, without its dynamic SQL: planned once per connection.
  insert into pgmq.q_stripe_events (vt, message)
  select clock_timestamp(), billing.sync_queue_message(n.type, n.customer_id, n.object_id, n.id)
  from new_events n;
  return null;
end
$$;
comment on function billing.tg_stripe_events__enqueue_batch() is
  'Queues the newly recorded events of one insert statement for the sync worker in one insert into the queue''s table (messages from the builder, built from four columns).';
