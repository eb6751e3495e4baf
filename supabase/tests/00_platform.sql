-- The platform every later migration relies on: extensions, Supabase's roles, and that client roles
-- cannot reach the internals of pgmq, pg_net and vault.
begin;
select plan(12);

select has_extension('pg_cron', 'pg_cron is installed');
select has_extension('pgmq', 'pgmq is installed');
select has_extension('pg_net', 'pg_net (dev stand-in locally) is installed');
select has_extension('supabase_vault', 'supabase_vault (dev stand-in locally) is installed');
select has_role('anon', 'the anon role exists');
select has_role('authenticated', 'the authenticated role exists');
select has_role('service_role', 'the service_role role exists');
select ok((select rolbypassrls from pg_roles where rolname = 'service_role'), 'service_role bypasses RLS, as on Supabase');

select ok(not has_schema_privilege('anon', 'pgmq', 'usage'), 'anon cannot use the pgmq schema');
select ok(not has_schema_privilege('authenticated', 'net', 'usage'), 'authenticated cannot use the net schema');
select ok(not has_schema_privilege('authenticated', 'vault', 'usage'), 'authenticated cannot use the vault schema');
select ok(has_function_privilege('authenticated', 'auth.uid()', 'execute'), 'authenticated can call auth.uid()');

select * from finish();
rollback;
