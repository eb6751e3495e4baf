-- Studio's repair functions and views for the pipeline, and that no API role can reach them.
begin;
select plan(11);

insert into billing.stripe_events (id, type, livemode, created, customer_id, object_id, payload, verified_by, status, attempts, last_error)
values
  ('evt_ops_dead_1', 'invoice.paid', false, now(), 'cus_ops_1', 'in_ops_1', '{}', '#1 test', 'dead', 8, 'Stripe 500'),
  ('evt_ops_dead_2', 'invoice.paid', false, now(), 'cus_ops_2', 'in_ops_2', '{}', '#1 test', 'dead', 8, 'Stripe 500');
-- Only this file's dead letters count (a used database has others; all of this is rolled back).
update billing.stripe_events set status = 'processed' where status = 'dead' and id not like 'evt_ops_%';
-- The insert trigger queued both; start from an empty queue for the counts below.
delete from pgmq.q_stripe_events where message ->> 'event_id' like 'evt_ops_%';

select is((select count(*)::int from ops.dead_letters where event_id like 'evt_ops_%'), 2, 'dead letters are listed');
select is((select last_error from ops.dead_letters where event_id = 'evt_ops_dead_1'), 'Stripe 500', 'with their last error');

select isnt(ops.replay_event('evt_ops_dead_1'), null, 'replay_event returns the new message id');
select is((select status from billing.stripe_events where id = 'evt_ops_dead_1'), 'pending', 'a replayed event is pending again');
select is((select count(*)::int from pgmq.q_stripe_events where message ->> 'event_id' = 'evt_ops_dead_1'), 1, 'and queued once');
select is(ops.retry_dead_letters(), 1, 'retry_dead_letters replays the remaining dead letter');
select throws_ok($$ select ops.replay_event('evt_missing') $$, 'P0002', null, 'replaying an unknown event is a clear error');

select isnt(ops.resync_customer('cus_ops_9'), null, 'resync_customer queues a sync of that customer');
select is((select message ->> 'type' from pgmq.q_stripe_events where message ->> 'customer_id' = 'cus_ops_9'), 'ops.resync',
  'as a message the worker recognises');

select ok(not has_schema_privilege('service_role', 'ops', 'usage'), 'service_role cannot reach ops');
select ok(not has_function_privilege('authenticated', 'ops.replay_event(text)', 'execute'), 'authenticated cannot replay events');

select * from finish();
rollback;
