-- The platform the product runs on: pg_cron (timed jobs), pgmq (queues), pg_net (calls from the
-- database to edge functions), Supabase Vault (the URL and key those calls use) and pgcrypto.
-- On hosted Supabase these are Supabase's own extensions; the local stack provides the same SQL API.

create extension if not exists pgcrypto with schema extensions;
create extension if not exists pg_cron;
create extension if not exists pgmq;
create extension if not exists pg_net with schema extensions;
create extension if not exists supabase_vault;

-- Studio's Queues screen and the product's workers reach pgmq through the service role only.
grant usage on schema pgmq to service_role;
grant execute on all functions in schema pgmq to service_role;
grant all on all tables in schema pgmq to service_role;
alter default privileges in schema pgmq grant all on tables to service_role;
