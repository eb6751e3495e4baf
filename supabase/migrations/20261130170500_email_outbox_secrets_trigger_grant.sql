-- The trigger function that clears an email's bearer links (20261130170000) is run by its trigger only:
-- no role calls it directly, as for the other trigger functions of the billing schema.

revoke execute on function billing.tg_email_outbox__drop_secrets() from public, anon, authenticated;
