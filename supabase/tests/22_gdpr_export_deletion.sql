-- GDPR: the export holds exactly one organization's data; deletion removes personal data, keeps
-- invoices, and running it twice leaves the same state.
begin;
\ir _helpers.psql
select plan(21);

select tests.create_user('e0000000-0000-0000-0000-00000000000a', 'ann@a.test');
select tests.create_user('e0000000-0000-0000-0000-00000000000b', 'bob@b.test');
insert into public.organizations (id, name, billing_email, stripe_customer_id) values
  ('0e000000-0000-0000-0000-00000000000a', 'Export A', 'billing@a.test', 'cus_gdpr_a'),
  ('0e000000-0000-0000-0000-00000000000b', 'Export B', 'billing@b.test', 'cus_gdpr_b');
insert into public.organization_members (organization_id, user_id, role) values
  ('0e000000-0000-0000-0000-00000000000a', 'e0000000-0000-0000-0000-00000000000a', 'admin'),
  ('0e000000-0000-0000-0000-00000000000b', 'e0000000-0000-0000-0000-00000000000b', 'admin');
insert into public.stripe_customers (id, organization_id, user_id, email, name, metadata, raw, stripe_fetched_at) values
  ('cus_gdpr_a', '0e000000-0000-0000-0000-00000000000a', 'e0000000-0000-0000-0000-00000000000a', 'ann@a.test', 'Ann', '{"contact": "Ann A"}', '{"email": "ann@a.test"}', now()),
  ('cus_gdpr_b', '0e000000-0000-0000-0000-00000000000b', 'e0000000-0000-0000-0000-00000000000b', 'bob@b.test', 'Bob', '{"contact": "Bob B"}', '{"email": "bob@b.test"}', now());
insert into public.stripe_subscriptions (id, customer_id, organization_id, status, raw, stripe_fetched_at) values
  ('sub_gdpr_a', 'cus_gdpr_a', '0e000000-0000-0000-0000-00000000000a', 'canceled', '{}', now()),
  ('sub_gdpr_b', 'cus_gdpr_b', '0e000000-0000-0000-0000-00000000000b', 'active', '{}', now());
insert into public.stripe_invoices (id, customer_id, organization_id, number, status, amount_paid, currency, raw, stripe_fetched_at) values
  ('in_gdpr_a', 'cus_gdpr_a', '0e000000-0000-0000-0000-00000000000a', 'A-0001', 'paid', 2000, 'usd', '{}', now()),
  ('in_gdpr_b', 'cus_gdpr_b', '0e000000-0000-0000-0000-00000000000b', 'B-0001', 'paid', 9000, 'eur', '{}', now());
insert into billing.email_outbox (idempotency_key, organization_id, email_type, to_email, subject, props, status) values
  ('gdpr-a-1', '0e000000-0000-0000-0000-00000000000a', 'receipt', 'ann@a.test', 'Your receipt, Ann', '{"customerName": "Ann"}', 'sent'),
  ('gdpr-b-1', '0e000000-0000-0000-0000-00000000000b', 'receipt', 'bob@b.test', 'Your receipt, Bob', '{"customerName": "Bob"}', 'sent');
insert into billing.stripe_events (id, type, livemode, created, customer_id, payload, verified_by) values
  ('evt_gdpr_a', 'customer.updated', false, now(), 'cus_gdpr_a', '{"data": {"object": {"email": "ann@a.test"}}}', 'test');

-- Two statements: a statement does not see rows its own function call inserted.
create temp table export_id as select billing.service_role_build_organization_export('0e000000-0000-0000-0000-00000000000a') as id;
create temp table export_a as select data from billing.organization_exports where id = (select id from export_id);

select is((select data #>> '{organization,name}' from export_a), 'Export A', 'the export holds the organization');
select is((select data #>> '{members,0,email}' from export_a), 'ann@a.test', 'with its members and their emails');
select is((select jsonb_path_query_array(data, '$.invoices[*].number') from export_a), '["A-0001"]'::jsonb, 'its invoices only');
select is((select jsonb_path_query_array(data, '$.subscriptions[*].id') from export_a), '["sub_gdpr_a"]'::jsonb, 'its subscriptions only');
select is((select jsonb_path_query_array(data, '$.emails_sent[*].to') from export_a), '["ann@a.test"]'::jsonb, 'the emails sent to it');
select ok((select position('b.test' in data::text) = 0 and position('Export B' in data::text) = 0 from export_a),
  'nothing of the other organization appears anywhere in the export');
select is((select count(*)::int from billing.audit_log where action = 'export.created' and organization_id = '0e000000-0000-0000-0000-00000000000a'), 1,
  'building the export is audited');

select ok(billing.service_role_delete_organization_data('0e000000-0000-0000-0000-00000000000a'), 'the first deletion reports that it deleted');
create temp table after_first as select
  (select to_jsonb(o) - 'updated_at' from public.organizations o where id = '0e000000-0000-0000-0000-00000000000a') as org,
  (select count(*) from public.organization_members where organization_id = '0e000000-0000-0000-0000-00000000000a') as members,
  (select jsonb_agg(to_jsonb(e) - 'created_at' order by idempotency_key) from billing.email_outbox e where organization_id = '0e000000-0000-0000-0000-00000000000a') as emails,
  (select count(*) from billing.audit_log where organization_id = '0e000000-0000-0000-0000-00000000000a') as audits;
select ok(not billing.service_role_delete_organization_data('0e000000-0000-0000-0000-00000000000a'), 'a second deletion does nothing');
select is((select row(
  (select to_jsonb(o) - 'updated_at' from public.organizations o where id = '0e000000-0000-0000-0000-00000000000a'),
  (select count(*) from public.organization_members where organization_id = '0e000000-0000-0000-0000-00000000000a'),
  (select jsonb_agg(to_jsonb(e) - 'created_at' order by idempotency_key) from billing.email_outbox e where organization_id = '0e000000-0000-0000-0000-00000000000a'),
  (select count(*) from billing.audit_log where organization_id = '0e000000-0000-0000-0000-00000000000a'))::text),
  (select row(org, members, emails, audits)::text from after_first), 'deletion run twice leaves the same state');

select is((select billing_status from public.organizations where id = '0e000000-0000-0000-0000-00000000000a'), 'deleted', 'the organization is marked deleted');
select is((select count(*)::int from public.stripe_invoices where organization_id = '0e000000-0000-0000-0000-00000000000a'), 1, 'its invoices are kept');
select ok((select email is null and raw is null from public.stripe_customers where id = 'cus_gdpr_a') and
  (select to_email is null from billing.email_outbox where idempotency_key = 'gdpr-a-1') and
  (select position('ann@a.test' in payload::text) = 0 from billing.stripe_events where id = 'evt_gdpr_a'),
  'email addresses are gone from the customer, the outbox and the event payloads');
select is((select count(*)::int from billing.organization_exports where organization_id = '0e000000-0000-0000-0000-00000000000a'), 0, 'its exports are deleted');
-- Absolute expectations (the run-twice check above cannot see a first run that deleted too little).
select is((select count(*)::int from public.organization_members where organization_id = '0e000000-0000-0000-0000-00000000000a'), 0,
  'its members are removed');
select is((select row(props, subject)::text from billing.email_outbox where idempotency_key = 'gdpr-a-1'), row('{}'::jsonb, null::text)::text,
  'the outbox keeps neither the props nor the subject of its emails');
select is((select row(name, user_id, metadata)::text from public.stripe_customers where id = 'cus_gdpr_a'), row(null::text, null::uuid, '{}'::jsonb)::text,
  'the Stripe customer keeps no name, user or metadata');
select is((select row(name, billing_email, plan_limits)::text from public.organizations where id = '0e000000-0000-0000-0000-00000000000a'),
  row('Deleted organization', null::text, '{}'::jsonb)::text, 'the organization keeps no name, billing email or limits');
select is((select jsonb_agg(detail) from billing.audit_log where action = 'organization.data_deleted' and organization_id = '0e000000-0000-0000-0000-00000000000a'),
  '[{"stripe_customers": ["cus_gdpr_a"], "invoices_kept": 1}]'::jsonb, 'the deletion is audited once, naming the customers and the invoices kept');
select is((select row(o.name, o.billing_email, c.name, c.user_id::text, c.metadata, e.props, e.subject)::text
    from public.organizations o join public.stripe_customers c on c.organization_id = o.id join billing.email_outbox e on e.organization_id = o.id
    where o.id = '0e000000-0000-0000-0000-00000000000b'),
  row('Export B', 'billing@b.test', 'Bob', 'e0000000-0000-0000-0000-00000000000b', '{"contact": "Bob B"}'::jsonb, '{"customerName": "Bob"}'::jsonb, 'Your receipt, Bob')::text,
  'the other organization keeps all of its data');
select is((select to_email from billing.email_outbox where idempotency_key = 'gdpr-b-1'), 'bob@b.test', 'the other organization is untouched');

select * from finish();
rollback;
