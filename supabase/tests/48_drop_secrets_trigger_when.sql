-- The outbox's drop_secrets trigger runs its function only for an email that has secret props: an email
-- without them (most) is recorded and delivered without the call; one with them still loses them once it
-- can no longer be sent (35_email_outbox_secrets.sql checks every case). The calls are counted in this
-- transaction (track_functions).
begin;
\ir _helpers.psql
select plan(6);

set local track_functions = 'pl';

select is(
  (select pg_get_triggerdef(oid) like '%WHEN ((new.secret_props IS NOT NULL))%' from pg_trigger
   where tgrelid = 'billing.email_outbox'::regclass and tgname = 'drop_secrets'),
  true, 'drop_secrets fires only for a row with secret props');

-- A receipt: recorded, leased, sent.
insert into billing.email_outbox (idempotency_key, email_type, to_email, props)
  values ('when:receipt', 'receipt', 'r@example.test', '{"amount": "€9.00"}');
update billing.email_outbox set status = 'sending' where idempotency_key = 'when:receipt';
update billing.email_outbox set status = 'sent', sent_at = now() where idempotency_key = 'when:receipt';
select is(tests.calls('billing.tg_email_outbox__drop_secrets'), 0, 'an email without secret props never calls the function');
select is((select status from billing.email_outbox where idempotency_key = 'when:receipt'), 'sent', 'and is written as sent');

-- An invitation: its link is kept while pending, then dropped when sent.
insert into billing.email_outbox (idempotency_key, email_type, to_email, props, secret_props)
  values ('when:invite', 'invitation', 'i@example.test', '{}', '{"acceptUrl": "http://app/invite/ww"}');
select is((select secret_props ->> 'acceptUrl' from billing.email_outbox where idempotency_key = 'when:invite'), 'http://app/invite/ww',
  'an invitation keeps its link while pending');
update billing.email_outbox set status = 'sent', sent_at = now() where idempotency_key = 'when:invite';
select is((select secret_props from billing.email_outbox where idempotency_key = 'when:invite'), null, 'and forgets it once sent');
select is(tests.calls('billing.tg_email_outbox__drop_secrets'), 2, 'the invitation called it twice: recorded and sent');

select * from finish();
rollback;
