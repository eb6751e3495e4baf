-- The webhook's record path keeps its plans per connection: the record function is plpgsql (a SQL function
-- with a SET clause is planned again on every call), and the enqueue trigger inserts into the queue's
-- table itself (pgmq.send_batch runs its insert as dynamic SQL, planned on every call). What they do is
-- unchanged: each new event queued once, visible at once, with the builder's message; none for a duplicate.
begin;
\ir _helpers.psql
select plan(6);

select is((select l.lanname::text from pg_proc p join pg_language l on l.oid = p.prolang
  where p.oid = 'billing.service_role_record_stripe_events(jsonb)'::regprocedure), 'plpgsql',
  'the record function is plpgsql, its insert planned once per connection');
select ok((select prosrc from pg_proc where oid = 'billing.tg_stripe_events__enqueue_batch()'::regprocedure) !~ 'pgmq\.send',
  'the enqueue trigger does not go through pgmq''s dynamic SQL');

select is(
  (select array_agg(x order by x) from billing.service_role_record_stripe_events(
    '[{"id": "evt_plan_2", "type": "customer.updated", "livemode": false, "api_version_mismatch": false, "created": "2026-12-03T13:01:00Z", "customer_id": "cus_plan", "object_id": "cus_plan", "object_type": "customer", "payload": {"id": "evt_plan_2"}, "verified_by": "test"},
      {"id": "evt_plan_1", "type": "invoice.paid", "livemode": false, "api_version_mismatch": false, "created": "2026-12-03T13:00:00Z", "customer_id": "cus_plan", "object_id": "in_plan", "object_type": "invoice", "payload": {"id": "evt_plan_1"}, "verified_by": "test"}]'::jsonb) as x),
  array['evt_plan_1', 'evt_plan_2'], 'a group returns the ids it recorded');
select is(
  (select count(*)::int from billing.service_role_record_stripe_events(
    '[{"id": "evt_plan_1", "type": "invoice.paid", "livemode": false, "api_version_mismatch": false, "created": "2026-12-03T13:00:00Z", "customer_id": "cus_plan", "object_id": "in_plan", "object_type": "invoice", "payload": {"id": "evt_plan_1"}, "verified_by": "test"}]'::jsonb)),
  0, 'a duplicate delivery records nothing');
select results_eq(
  $$select message from pgmq.q_stripe_events where message ->> 'customer_id' = 'cus_plan' order by message ->> 'event_id'$$,
  $$values (billing.sync_queue_message('invoice.paid', 'cus_plan', 'in_plan', 'evt_plan_1')),
           (billing.sync_queue_message('customer.updated', 'cus_plan', 'cus_plan', 'evt_plan_2'))$$,
  'each new event is queued once, with the builder''s message, and the duplicate not again');
select ok((select bool_and(vt <= clock_timestamp() and read_ct = 0) from pgmq.q_stripe_events where message ->> 'customer_id' = 'cus_plan'),
  'the messages are visible at once, never read');

select * from finish();
rollback;
