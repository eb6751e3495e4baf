-- Deleting an organization's data erases the emails it has in the outbox (address, subject, props), but a
-- workflow run in flight at that moment may record one after it, with what an earlier step read before the
-- deletion (invoice-paid's receipt takes the billing email its previous step returned): that email kept its
-- address and props, and went out. An email recorded for an organization whose data was deleted is now
-- written erased and skipped, with the reason delivery gives the ones the deletion erased
-- (supabase/functions/_shared/email/delivery.ts's ERASED). Its secret props go too: drop_secrets, which
-- forgets them on a skipped row, fires before this trigger (alphabetical order) and saw it pending.
create function billing.tg_email_outbox__erased_organization() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if exists (select 1 from public.organizations where id = new.organization_id and deleted_at is not null) then
    new.to_email := null;
    new.subject := null;
    new.props := '{}'::jsonb;
    new.secret_props := null;
    new.status := 'skipped';
    new.last_error := 'not sent: its recipient and content were erased with the organization''s personal data';
  end if;
  return new;
end
$$;
comment on function billing.tg_email_outbox__erased_organization() is
  'An email recorded for an organization whose data was deleted is written erased and skipped (a run in flight during the deletion).';
revoke execute on function billing.tg_email_outbox__erased_organization() from public, anon, authenticated;

create trigger erased_organization before insert on billing.email_outbox
  for each row when (new.organization_id is not null)
  execute function billing.tg_email_outbox__erased_organization();
