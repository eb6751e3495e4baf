-- The event inbox: one row per event id, one queue message per recorded event, private to the
-- service role.
begin;
select plan(9);

select has_table('billing', 'stripe_events', 'the inbox table exists');
select ok((select relrowsecurity from pg_class where oid = 'billing.stripe_events'::regclass), 'the inbox has RLS on');

select is(
  billing.service_role_record_stripe_event('evt_pgtap_1', 'invoice.paid', '2026-10-28.endive', false, null, false, now(),
    'invoice', 'in_pgtap_1', 'cus_pgtap_1', '{"id": "evt_pgtap_1"}'::jsonb, '#1 00000000'),
  true, 'the first delivery of an event is recorded');
select is(
  billing.service_role_record_stripe_event('evt_pgtap_1', 'invoice.paid', '2026-10-28.endive', false, null, false, now(),
    'invoice', 'in_pgtap_1', 'cus_pgtap_1', '{"id": "evt_pgtap_1"}'::jsonb, '#1 00000000'),
  false, 'a second delivery of the same event is reported as a duplicate');
select is((select count(*)::int from billing.stripe_events where id = 'evt_pgtap_1'), 1, 'the duplicate left one row');
select is((select count(*)::int from pgmq.q_stripe_events where message ->> 'event_id' = 'evt_pgtap_1'), 1,
  'the duplicate left one queue message');
select is((select message ->> 'customer_id' from pgmq.q_stripe_events where message ->> 'event_id' = 'evt_pgtap_1'),
  'cus_pgtap_1', 'the queue message carries the customer for grouping');

select ok(not has_schema_privilege('authenticated', 'billing', 'usage'), 'authenticated cannot reach the billing schema');
select ok(not has_function_privilege('anon',
  'billing.service_role_record_stripe_event(text, text, text, boolean, text, boolean, timestamptz, text, text, text, jsonb, text)', 'execute'),
  'anon cannot record events');

select * from finish();
rollback;
