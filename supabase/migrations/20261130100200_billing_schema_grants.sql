-- Every grant on the `billing` schema, stated in one place. They were spread over the inbox migration
-- (the schema), the tenancy migration (its tables) and each function's own migration; a landed
-- migration can't be edited, so this one restates them all (each statement is idempotent) and later
-- migrations grant here-consistent privileges only. `billing` is the service role's private schema:
-- client roles reach nothing in it, and the service role reaches everything.

-- The schema: only the service role may use it.
revoke all on schema billing from public, anon, authenticated;
grant usage on schema billing to service_role;

-- Tables (now and later): the service role reads and writes them; RLS on each is a second line of defence.
grant all on all tables in schema billing to service_role;
alter default privileges in schema billing grant all on tables to service_role;

-- Functions (now and later): none for public, anon or authenticated. The service role may run all of
-- them, the internal `_` helpers included: its `service_role_*` entry points run as their caller
-- (security invoker) and call those helpers, so without execute on them an entry point failed with
-- "permission denied for function _apply_customer" when the service role itself called it.
alter default privileges in schema billing revoke execute on functions from public;
revoke execute on all functions in schema billing from public, anon, authenticated;
grant execute on all functions in schema billing to service_role;
alter default privileges in schema billing grant execute on functions to service_role;
