-- Every RLS policy in public carries a comment saying what it guards (STYLE.md 16): a policy added
-- without one fails here by name.
begin;
select plan(2);

select is(
  (select array_agg(c.relname || ': ' || pol.polname order by c.relname, pol.polname)
   from pg_policy pol join pg_class c on c.oid = pol.polrelid join pg_namespace n on n.oid = c.relnamespace
   where n.nspname = 'public' and obj_description(pol.oid, 'pg_policy') is null),
  null, 'every policy in public has a comment');

select cmp_ok(
  (select count(*)::integer from pg_policy pol join pg_class c on c.oid = pol.polrelid join pg_namespace n on n.oid = c.relnamespace
   where n.nspname = 'public'),
  '>', 0, 'the check above looked at policies (public has some)');

select * from finish();
rollback;
