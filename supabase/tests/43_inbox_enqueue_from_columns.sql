-- The inbox's enqueue trigger builds each message from the row's four routing columns: the whole row (its
-- multi-kB payload included) is not formed as a composite per event on the webhook's hot path. The
-- messages stay the builder's, one per newly recorded event, none for a duplicate.
begin;
\ir _helpers.psql
select plan(4);

select ok(
  (select prosrc from pg_proc where oid = 'billing.tg_stripe_events__enqueue_batch()'::regprocedure)
    ~ 'sync_queue_message\(n\.type, n\.customer_id, n\.object_id, n\.id\)',
  'the enqueue trigger builds messages from the type, customer, object and event id columns');
select ok(
  (select prosrc from pg_proc where oid = 'billing.tg_stripe_events__enqueue_batch()'::regprocedure)
    !~ 'stripe_event_message\(',
  'and not from the whole inserted row');

-- A group of three events through the record function, one of them delivered twice in the group.
select is(
  (select count(*)::int from billing.service_role_record_stripe_events(
    '[{"id": "evt_cols_1", "type": "invoice.paid", "livemode": false, "api_version_mismatch": false, "created": "2026-12-03T13:00:00Z", "customer_id": "cus_cols", "object_id": "in_cols", "object_type": "invoice", "payload": {"id": "evt_cols_1"}, "verified_by": "test"},
      {"id": "evt_cols_2", "type": "customer.updated", "livemode": false, "api_version_mismatch": false, "created": "2026-12-03T13:00:01Z", "customer_id": "cus_cols", "object_id": "cus_cols", "object_type": "customer", "payload": {"id": "evt_cols_2"}, "verified_by": "test"},
      {"id": "evt_cols_2", "type": "customer.updated", "livemode": false, "api_version_mismatch": false, "created": "2026-12-03T13:00:01Z", "customer_id": "cus_cols", "object_id": "cus_cols", "object_type": "customer", "payload": {"id": "evt_cols_2"}, "verified_by": "test"}]'::jsonb)),
  2, 'a group with a repeated id records each event once');
select results_eq(
  $$select message from pgmq.q_stripe_events where message ->> 'customer_id' = 'cus_cols' order by message ->> 'event_id'$$,
  $$values (billing.sync_queue_message('invoice.paid', 'cus_cols', 'in_cols', 'evt_cols_1')),
           (billing.sync_queue_message('customer.updated', 'cus_cols', 'cus_cols', 'evt_cols_2'))$$,
  'each newly recorded event is queued once, with the builder''s message');

select * from finish();
rollback;
