-- A customer's messages on the stripe_events queue are found through an index, not a scan of the queue:
-- the sync's peek runs once per customer group, with thousands of messages queued after an ingest burst.
begin;
\ir _helpers.psql
select plan(3);

insert into pgmq.q_stripe_events (vt, message)
select now(), jsonb_build_object('event_id', 'evt_idx_' || i, 'type', 'customer.subscription.updated',
  'customer_id', 'cus_idx_' || (i % 1000), 'object_id', 'sub_idx_' || (i % 1000))
from generate_series(1, 5000) i;
analyze pgmq.q_stripe_events;

create function tests.plan_of(p_sql text) returns text language plpgsql as $$
declare
  v_plan json;
begin
  execute 'explain (format json) ' || p_sql into v_plan;
  return v_plan::text;
end
$$;

-- The peek's own query (sync/absorb.ts lockAndPeek), with its parameters written in.
select ok(tests.plan_of($q$select msg_id, message from pgmq.q_stripe_events
  where message ->> 'customer_id' = 'cus_idx_5' and vt <= now() and message ->> 'type' is distinct from 'seats'
  for update skip locked$q$) like '%q_stripe_events_customer_idx%',
  'the sync''s peek finds a customer''s messages through the index');
select ok(tests.plan_of($q$select exists (select 1 from pgmq.q_stripe_events where message ->> 'customer_id' = 'cus_idx_5')$q$)
  like '%q_stripe_events_customer_idx%', 'the overview''s pending check too');
select is((select count(*)::int from pgmq.q_stripe_events where message ->> 'customer_id' = 'cus_idx_5'), 5,
  'and finds every one of them');

select * from finish();
rollback;
