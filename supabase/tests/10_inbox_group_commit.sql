-- Group commit: one statement records several events and queues exactly the new ones, with one
-- message per event of the same shape as a single-row insert's, and refuses nothing for a duplicate.
begin;
select plan(7);

select billing.service_role_record_stripe_event('evt_pgtap_gc_old', 'invoice.paid', null, false, null, false, now(),
  'invoice', 'in_gc_old', 'cus_gc_1', '{"id": "evt_pgtap_gc_old"}'::jsonb, '#1 00000000');

select set_eq(
  $$select billing.service_role_record_stripe_events(jsonb_build_array(
      jsonb_build_object('id', 'evt_pgtap_gc_a', 'type', 'invoice.paid', 'api_version_mismatch', false, 'livemode', false,
        'created', now(), 'object_type', 'invoice', 'object_id', 'in_gc_a', 'customer_id', 'cus_gc_1',
        'payload', '{"id": "evt_pgtap_gc_a"}'::jsonb, 'verified_by', '#1 00000000'),
      jsonb_build_object('id', 'evt_pgtap_gc_a', 'type', 'invoice.paid', 'api_version_mismatch', false, 'livemode', false,
        'created', now(), 'object_type', 'invoice', 'object_id', 'in_gc_a', 'customer_id', 'cus_gc_1',
        'payload', '{"id": "evt_pgtap_gc_a"}'::jsonb, 'verified_by', '#1 00000000'),
      jsonb_build_object('id', 'evt_pgtap_gc_old', 'type', 'invoice.paid', 'api_version_mismatch', false, 'livemode', false,
        'created', now(), 'object_type', 'invoice', 'object_id', 'in_gc_old', 'customer_id', 'cus_gc_1',
        'payload', '{"id": "evt_pgtap_gc_old"}'::jsonb, 'verified_by', '#1 00000000'),
      jsonb_build_object('id', 'evt_pgtap_gc_b', 'type', 'customer.subscription.updated', 'api_version', '2026-10-28.endive',
        'api_version_mismatch', false, 'livemode', true, 'created', now(), 'object_type', 'subscription',
        'object_id', 'sub_gc_b', 'customer_id', 'cus_gc_2', 'payload', '{"id": "evt_pgtap_gc_b"}'::jsonb,
        'verified_by', '#2 11111111')))$$,
  array['evt_pgtap_gc_a', 'evt_pgtap_gc_b'],
  'a group returns the ids it recorded: not an id already recorded, and an id twice in the group once');

select is((select count(*)::int from billing.stripe_events where id like 'evt_pgtap_gc_%'), 3, 'three rows for three ids');
select is((select count(*)::int from pgmq.q_stripe_events where message ->> 'event_id' like 'evt_pgtap_gc_%'), 3,
  'one queue message per recorded event, none for the duplicates');
select is((select message from pgmq.q_stripe_events where message ->> 'event_id' = 'evt_pgtap_gc_b'),
  '{"event_id": "evt_pgtap_gc_b", "type": "customer.subscription.updated", "customer_id": "cus_gc_2", "object_id": "sub_gc_b"}'::jsonb,
  'the batch message has the shape the sync worker reads');
select is((select message from pgmq.q_stripe_events where message ->> 'event_id' = 'evt_pgtap_gc_old'),
  '{"event_id": "evt_pgtap_gc_old", "type": "invoice.paid", "customer_id": "cus_gc_1", "object_id": "in_gc_old"}'::jsonb,
  'a single-row insert queues the same shape');
select is((select row(api_version, livemode, verified_by, payload)::text from billing.stripe_events where id = 'evt_pgtap_gc_b'),
  row('2026-10-28.endive', true, '#2 11111111', '{"id": "evt_pgtap_gc_b"}'::jsonb)::text, 'every column is recorded from the group');
select ok(not has_function_privilege('anon', 'billing.service_role_record_stripe_events(jsonb)', 'execute'),
  'anon cannot record events');

select * from finish();
rollback;
