-- An email's bearer links (secret_props) live only while it can still be sent: kept when pending and
-- while leased, gone once it is sent, fails for good, is skipped or loses its recipient, whoever writes the row.
begin;
\ir _helpers.psql
select plan(7);

insert into billing.email_outbox (idempotency_key, email_type, to_email, props, secret_props)
  values ('secrets:a', 'invitation', 'a@example.test', '{"organizationName": "A"}', '{"acceptUrl": "http://app/invite/aa"}'),
         ('secrets:b', 'invitation', 'b@example.test', '{"organizationName": "B"}', '{"acceptUrl": "http://app/invite/bb"}');
insert into billing.email_outbox (idempotency_key, email_type, to_email, props, secret_props, status)
  values ('secrets:c', 'invitation', null, '{}', '{"acceptUrl": "http://app/invite/cc"}', 'skipped');

select is((select secret_props ->> 'acceptUrl' from billing.email_outbox where idempotency_key = 'secrets:a'), 'http://app/invite/aa',
  'a pending email keeps its link until it is sent');
select is((select secret_props from billing.email_outbox where idempotency_key = 'secrets:c'), null,
  'a skipped email never stores its link');

update billing.email_outbox set status = 'sending' where idempotency_key in ('secrets:a', 'secrets:b');
select is((select count(secret_props)::int from billing.email_outbox where idempotency_key in ('secrets:a', 'secrets:b')), 2,
  'a leased email keeps its link (a lost answer sends it again)');

update billing.email_outbox set status = 'sent', sent_at = now() where idempotency_key = 'secrets:a';
update billing.email_outbox set status = 'failed' where idempotency_key = 'secrets:b';
select is((select secret_props from billing.email_outbox where idempotency_key = 'secrets:a'), null, 'a sent email forgets its link');
select is((select secret_props from billing.email_outbox where idempotency_key = 'secrets:b'), null, 'an email that failed for good forgets its link');

update billing.email_outbox set secret_props = '{"acceptUrl": "http://app/invite/again"}' where idempotency_key = 'secrets:a';
select is((select secret_props from billing.email_outbox where idempotency_key = 'secrets:a'), null, 'a link cannot be written back onto a sent email');

insert into billing.email_outbox (idempotency_key, email_type, to_email, props, secret_props)
  values ('secrets:d', 'subscription_cancelled', 'd@example.test', '{}', '{"dataExportUrl": "http://api/export-download?sig=dd"}');
update billing.email_outbox set to_email = null, props = '{}' where idempotency_key = 'secrets:d';
select is((select secret_props from billing.email_outbox where idempotency_key = 'secrets:d'), null,
  'a pending email whose recipient is erased (the organization''s data deleted) forgets its link at once');

select * from finish();
rollback;
