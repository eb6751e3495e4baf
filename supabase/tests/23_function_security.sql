-- Catalog-wide rules: every security definer function pins its search_path; no function of the
-- product is executable by anon or reachable by client roles unless meant to be.
begin;
select plan(5);

select is(
  (select array_agg(p.oid::regprocedure::text order by p.oid::regprocedure::text) from pg_proc p join pg_namespace n on n.oid = p.pronamespace
   where p.prosecdef and n.nspname in ('public', 'billing', 'ops')
     and not exists (select 1 from unnest(coalesce(p.proconfig, '{}')) c where c like 'search_path=%')),
  null, 'every security definer function sets search_path');

select is(
  (select array_agg(p.oid::regprocedure::text order by p.oid::regprocedure::text) from pg_proc p join pg_namespace n on n.oid = p.pronamespace
   where n.nspname in ('public', 'billing', 'ops') and has_function_privilege('anon', p.oid, 'execute')),
  null, 'anon can execute no function of the product');

select is(
  (select array_agg(p.oid::regprocedure::text order by p.oid::regprocedure::text) from pg_proc p join pg_namespace n on n.oid = p.pronamespace
   where n.nspname = 'public' and has_function_privilege('authenticated', p.oid, 'execute')),
  array['_plan_limit_max(jsonb,text)', '_refuse(text,text,text)', 'accept_invitation(text)', 'change_member_role(uuid,uuid,text)', 'create_organization(text)',
    'has_active_entitlement(uuid,text)', 'has_org_role(uuid,text)', 'invite_member(uuid,text,text)', 'leave_organization(uuid)',
    'plan_limit_allows(uuid,text,bigint)', 'plan_limits_for(text)', 'plan_usage(uuid)', 'projects_in_use(uuid)', 'remove_member(uuid,uuid)', 'resend_invitation(uuid)', 'revoke_invitation(uuid)',
    'seats_in_use(uuid)'],
  'authenticated can execute exactly the intended public functions');

select ok(not has_schema_privilege('authenticated', 'billing', 'usage') and not has_schema_privilege('anon', 'billing', 'usage'),
  'no client role can reach the billing schema');

select is(
  (select array_agg(c.relname::text order by c.relname::text) from pg_class c join pg_namespace n on n.oid = c.relnamespace
   where n.nspname = 'billing' and c.relkind = 'r' and not c.relrowsecurity),
  null, 'every billing table has RLS on as a second line of defence');

select * from finish();
rollback;
