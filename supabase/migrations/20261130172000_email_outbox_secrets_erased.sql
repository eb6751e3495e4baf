-- Deleting an organization's personal data erases its emails' recipients and props
-- (service_role_delete_organization_data); their bearer links (secret_props) go with them at once,
-- not only when the outbox next reaches the email and skips it.

create or replace function billing.tg_email_outbox__drop_secrets() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.status not in ('pending', 'sending') or new.to_email is null then
    new.secret_props := null;
  end if;
  return new;
end;
$$;

comment on function billing.tg_email_outbox__drop_secrets() is
  'Forgets an email''s bearer links once it can no longer be sent (sent, failed for good, skipped, or its recipient erased), whoever changes the row.';

drop trigger drop_secrets on billing.email_outbox;
create trigger drop_secrets before insert or update of status, secret_props, to_email on billing.email_outbox
  for each row execute function billing.tg_email_outbox__drop_secrets();

comment on trigger drop_secrets on billing.email_outbox is
  'Keeps secret_props only on emails still pending or being sent to a recipient.';
