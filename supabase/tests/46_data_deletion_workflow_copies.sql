-- Deleting an organization's personal data reaches the workflows' copies of it: its customers' finished
-- runs lose what Stripe sent (their event's object and previous_attributes) and what their steps read; a
-- run unfinished then keeps both until it finishes, then loses them; another organization's runs and
-- data-deletion's own are left as they are. A later sync of its customer does not write the person back
-- into the mirror.
begin;
\ir _helpers.psql
select plan(14);

insert into public.organizations (id, name, billing_email, stripe_customer_id) values
  ('0f000000-0000-0000-0000-00000000000a', 'Copies A', 'billing@copies-a.test', 'cus_copies_a'),
  ('0f000000-0000-0000-0000-00000000000b', 'Copies B', 'billing@copies-b.test', 'cus_copies_b');
insert into public.stripe_customers (id, organization_id, email, raw, stripe_fetched_at) values
  ('cus_copies_a', '0f000000-0000-0000-0000-00000000000a', 'ann@copies-a.test', '{}', now()),
  ('cus_copies_b', '0f000000-0000-0000-0000-00000000000b', 'bob@copies-b.test', '{}', now());

-- Runs as the sync's hand-off starts them: the event's object as Stripe sent it, the customer beside it.
create temp table ev as select
  jsonb_build_object('name', 'invoice.paid', 'id', 'evt_copies_a1', 'ts', 1,
    'data', jsonb_build_object('object', '{"id": "in_copies_a", "customer_email": "ann@copies-a.test", "customer_name": "Ann"}'::jsonb,
      'previous_attributes', '{"customer_name": "Annie"}'::jsonb, 'customerId', 'cus_copies_a')) as a,
  jsonb_build_object('name', 'invoice.paid', 'id', 'evt_copies_b1', 'ts', 1,
    'data', jsonb_build_object('object', '{"id": "in_copies_b", "customer_email": "bob@copies-b.test"}'::jsonb,
      'previous_attributes', null, 'customerId', 'cus_copies_b')) as b;
insert into billing.workflow_runs (id, workflow_id, trigger_key, event_name, event, status, result) values
  ('0f000000-0000-0000-0000-0000000000a1', 'invoice-paid', 'copies:a:done', 'invoice.paid', (select a from ev), 'completed', '{"organizationId": "0f000000-0000-0000-0000-00000000000a"}'),
  ('0f000000-0000-0000-0000-0000000000a2', 'payment-metrics', 'copies:a:pending', 'invoice.paid', (select a from ev), 'sleeping', null),
  ('0f000000-0000-0000-0000-0000000000a3', 'data-deletion', 'copies:a:deletion', 'data/deletion.scheduled',
    '{"name": "data/deletion.scheduled", "id": "x", "ts": 1, "data": {"organizationId": "0f000000-0000-0000-0000-00000000000a", "customerId": "cus_copies_a"}}', 'completed', '{"deleted": false}'),
  ('0f000000-0000-0000-0000-0000000000b1', 'invoice-paid', 'copies:b:done', 'invoice.paid', (select b from ev), 'completed', '{"organizationId": "0f000000-0000-0000-0000-00000000000b"}');
insert into billing.workflow_steps (run_id, step_id, result) values
  ('0f000000-0000-0000-0000-0000000000a1', 'organization', '{"id": "0f000000-0000-0000-0000-00000000000a", "name": "Copies A", "email": "billing@copies-a.test"}'),
  ('0f000000-0000-0000-0000-0000000000a2', 'organization', '{"name": "Copies A", "email": "billing@copies-a.test"}'),
  ('0f000000-0000-0000-0000-0000000000b1', 'organization', '{"name": "Copies B", "email": "billing@copies-b.test"}');

select ok(billing.service_role_delete_organization_data('0f000000-0000-0000-0000-00000000000a'), 'the organization is deleted');

select is((select event from billing.workflow_runs where id = '0f000000-0000-0000-0000-0000000000a1'),
  jsonb_build_object('name', 'invoice.paid', 'id', 'evt_copies_a1', 'ts', 1, 'data', '{"customerId": "cus_copies_a", "redacted": true}'::jsonb),
  'a finished run keeps its event''s ids, not what Stripe sent');
select is((select result from billing.workflow_runs where id = '0f000000-0000-0000-0000-0000000000a1'), '{"redacted": true}'::jsonb,
  'nor its result');
select is((select result from billing.workflow_steps where run_id = '0f000000-0000-0000-0000-0000000000a1'), '{"redacted": true}'::jsonb,
  'nor what its steps read');
select ok((select position('copies-a.test' in event::text) > 0 from billing.workflow_runs where id = '0f000000-0000-0000-0000-0000000000a2')
  and (select position('copies-a.test' in result::text) > 0 from billing.workflow_steps where run_id = '0f000000-0000-0000-0000-0000000000a2'),
  'a run not finished yet keeps its event and steps, which it needs to run');

update billing.workflow_runs set status = 'completed', result = '{"recorded": true}' where id = '0f000000-0000-0000-0000-0000000000a2';
select is((select row(event -> 'data', result)::text from billing.workflow_runs where id = '0f000000-0000-0000-0000-0000000000a2'),
  row('{"customerId": "cus_copies_a", "redacted": true}'::jsonb, '{"redacted": true}'::jsonb)::text,
  'when it finishes, it is stripped the same way');
select is((select result from billing.workflow_steps where run_id = '0f000000-0000-0000-0000-0000000000a2'), '{"redacted": true}'::jsonb,
  'its steps too');

-- A late event of the deleted organization's customer starts a run after the deletion: stripped when it ends.
insert into billing.workflow_runs (id, workflow_id, trigger_key, event_name, event, status) values
  ('0f000000-0000-0000-0000-0000000000a4', 'invoice-paid', 'copies:a:late', 'invoice.paid', (select a from ev), 'queued');
update billing.workflow_runs set status = 'running' where id = '0f000000-0000-0000-0000-0000000000a4';
select ok((select event -> 'data' ? 'object' from billing.workflow_runs where id = '0f000000-0000-0000-0000-0000000000a4'),
  'a late run keeps its event while it runs');
update billing.workflow_runs set status = 'failed' where id = '0f000000-0000-0000-0000-0000000000a4';
select is((select event -> 'data' from billing.workflow_runs where id = '0f000000-0000-0000-0000-0000000000a4'),
  '{"customerId": "cus_copies_a", "redacted": true}'::jsonb, 'and loses it when it ends, failed as well as completed');

select is((select result from billing.workflow_runs where id = '0f000000-0000-0000-0000-0000000000a3'), '{"deleted": false}'::jsonb,
  'data-deletion''s own runs are left as they are');
select ok((select event = (select b from ev) and result = '{"organizationId": "0f000000-0000-0000-0000-00000000000b"}'::jsonb
    from billing.workflow_runs where id = '0f000000-0000-0000-0000-0000000000b1')
  and (select position('billing@copies-b.test' in result::text) > 0 from billing.workflow_steps where run_id = '0f000000-0000-0000-0000-0000000000b1'),
  'the other organization''s runs and steps keep everything');
select is((select count(*)::int from billing.workflow_runs where event::text like '%copies-a.test%' or result::text like '%copies-a.test%')
    + (select count(*)::int from billing.workflow_steps s join billing.workflow_runs r on r.id = s.run_id
       where r.workflow_id <> 'data-deletion' and s.result::text like '%copies-a.test%'),
  0, 'no run or step keeps an address of the deleted organization');

-- A later sync of the deleted organization's customer (Stripe still has it, email and all).
select billing._apply_customer('cus_copies_a', '{"id": "cus_copies_a", "object": "customer", "email": "ann@copies-a.test", "name": "Ann",
  "metadata": {"organization_id": "0f000000-0000-0000-0000-00000000000a", "note": "Ann A"}}', now() + interval '1 minute');
select is((select row(organization_id, email, name, metadata, raw, deleted)::text from public.stripe_customers where id = 'cus_copies_a'),
  row('0f000000-0000-0000-0000-00000000000a'::uuid, null::text, null::text, '{}'::jsonb, null::jsonb, false)::text,
  'a later sync keeps the customer''s row, not the person Stripe still holds');
select billing._apply_customer('cus_copies_b', '{"id": "cus_copies_b", "object": "customer", "email": "bob2@copies-b.test", "name": "Bob"}', now() + interval '1 minute');
select is((select row(email, name)::text from public.stripe_customers where id = 'cus_copies_b'), row('bob2@copies-b.test', 'Bob')::text,
  'another organization''s customer is written as Stripe sent it');

select * from finish();
rollback;
