-- Bearer links in emails (an invitation's accept link, a signed export download link) are kept apart from
-- the other props and only while the email can still be sent: a leaked outbox row, backup or export of
-- it must not let anyone join an organization or download its data. The hashed token in
-- organization_invitations and the export's own expiry stay the only durable forms.

alter table billing.email_outbox add column secret_props jsonb;

comment on column billing.email_outbox.secret_props is
  'Props that grant access (accept and download links), merged into props when rendering; cleared when the email is sent, fails for good or is skipped.';

create function billing.tg_email_outbox__drop_secrets() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.status not in ('pending', 'sending') then
    new.secret_props := null;
  end if;
  return new;
end;
$$;

comment on function billing.tg_email_outbox__drop_secrets() is
  'Forgets an email''s bearer links once it can no longer be sent (sent, failed for good, skipped), whoever changes the row.';

create trigger drop_secrets before insert or update of status, secret_props on billing.email_outbox
  for each row execute function billing.tg_email_outbox__drop_secrets();

comment on trigger drop_secrets on billing.email_outbox is
  'Keeps secret_props only on emails still pending or being sent.';

-- Rows written before this migration: their links move out of props (and are dropped where already sent).
update billing.email_outbox
  set secret_props = jsonb_strip_nulls(jsonb_build_object('acceptUrl', props -> 'acceptUrl', 'dataExportUrl', props -> 'dataExportUrl')),
    props = props - 'acceptUrl' - 'dataExportUrl'
  where props ?| array['acceptUrl', 'dataExportUrl'];

-- The cancellation workflow memoized the signed export link with its step; it now keeps the export's id
-- and expiry only, and signs the link again (the same link) when it records the email.
update billing.workflow_steps set result = result - 'url'
  where step_id = 'export-user-data' and jsonb_typeof(result) = 'object' and result ? 'url';
