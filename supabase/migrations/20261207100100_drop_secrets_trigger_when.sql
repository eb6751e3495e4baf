-- The sibling of 20261207100000_dead_letter_trigger_when.sql on the outbox: drop_secrets called its plpgsql
-- function on every email recorded and every status the delivery wrote, although it only ever clears
-- secret_props, which most emails (receipts, reminders) never have. It now runs only for a row that has
-- them; a row without them it left as it was. The function and the columns that fire it are unchanged,
-- and so is its name, so it still fires before erased_organization (alphabetical order).
drop trigger drop_secrets on billing.email_outbox;
create trigger drop_secrets before insert or update of status, secret_props, to_email on billing.email_outbox
  for each row when (new.secret_props is not null)
  execute function billing.tg_email_outbox__drop_secrets();
comment on trigger drop_secrets on billing.email_outbox is
  'Keeps secret_props only on emails still pending or being sent, with a recipient; rows without secret_props skip the call.';
