-- One builder of the stripe_events queue message (billing.sync_queue_message): its shape is the one the
-- sync worker validates, and every function of the product that queues a message takes it from there.
begin;
\ir _helpers.psql
select plan(8);

select is(billing.sync_queue_message('invoice.paid', 'cus_q', 'in_q', 'evt_q'),
  '{"event_id": "evt_q", "type": "invoice.paid", "customer_id": "cus_q", "object_id": "in_q"}'::jsonb,
  'a Stripe event''s message names the event, its type, customer and object');
select is(billing.sync_queue_message('ops.resync', 'cus_q', null),
  '{"event_id": null, "type": "ops.resync", "customer_id": "cus_q", "object_id": null}'::jsonb,
  'work that is no Stripe event has a null event id, and every key is present');
select is(billing.sync_queue_message('invoice.paid', 'cus_q', 'in_q', 'evt_q', true) -> 'replay', 'true'::jsonb,
  'a replay says so');

-- What the product's own functions queue, taken off the queue again inside this transaction.
select ok(ops.resync_customer('cus_queue_test') > 0, 'a resync returns the id of the message it queued');
select is((select message from pgmq.q_stripe_events where message ->> 'customer_id' = 'cus_queue_test'),
  billing.sync_queue_message('ops.resync', 'cus_queue_test', 'cus_queue_test'), 'a resync queues the builder''s message');
insert into billing.stripe_events (id, type, livemode, created, customer_id, object_id, payload, verified_by)
values ('evt_queue_test', 'customer.updated', false, now(), 'cus_queue_test2', 'cus_queue_test2', '{}', 'test');
select is((select message from pgmq.q_stripe_events where message ->> 'event_id' = 'evt_queue_test'),
  billing.sync_queue_message('customer.updated', 'cus_queue_test2', 'cus_queue_test2', 'evt_queue_test'),
  'a recorded event queues the builder''s message');

select is(
  (select array_agg(n.nspname || '.' || p.proname order by 1) from pg_proc p join pg_namespace n on n.oid = p.pronamespace
   where n.nspname in ('public', 'billing', 'ops') and p.prosrc ~* '(pgmq\.send|insert into pgmq\.q_)'
     and p.prosrc !~ '(sync_queue_message|stripe_event_message)\('),
  null, 'every function of the product that queues a message takes it from the builder');
select is(
  (select array_agg(n.nspname || '.' || p.proname order by 1) from pg_proc p join pg_namespace n on n.oid = p.pronamespace
   where n.nspname in ('public', 'billing', 'ops') and p.prosrc ~* '(pgmq\.send|insert into pgmq\.q_)' and p.prosrc ~ '''event_id'','),
  null, 'no function that queues a message builds its keys itself');

select * from finish();
rollback;
