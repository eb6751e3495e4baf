-- The full RLS matrix: every table in an exposed schema × every role (anon; a member of org A; an admin
-- of org A; a member of org B; service_role; an admin of org B; a signed-in user in no organization)
-- × every operation (select, insert, update, delete), each
-- cell run as the real role with real JWT claims against org A's rows. An allowed cell must touch its
-- row; a denied cell must fail with insufficient_privilege or touch nothing. A table added to an exposed
-- schema without rows here fails the completeness check, so the matrix cannot silently fall behind.
-- After the cells: what each column sees of every tenant table (no row of another organization), the
-- column grants (billing fields are the sync's), and create_organization.
begin;
\ir _helpers.psql
select plan(305);

-- The people, their organizations and rows, and the matrix's columns: tests.seed_rls_matrix in _helpers.psql.
select tests.seed_rls_matrix();

-- One row per table and operation: the statement (aimed at org A's rows) and who may do it, in the
-- order of tests.matrix_roles (a = allowed, d = denied).
create table tests.matrix_cells (tbl text, op text, position int, stmt text not null, expected text not null,
  primary key (tbl, op), check (expected ~ '^[ad]{7}$'));
insert into tests.matrix_cells values
  ('public.organizations', 'select', 1, $$select 1 from public.organizations where id = '1a000000-0000-0000-0000-000000000000'$$, 'daadadd'),
  ('public.organizations', 'insert', 2, $$insert into public.organizations (name) values ('Matrix probe')$$, 'ddddadd'),
  ('public.organizations', 'update', 3, $$update public.organizations set name = 'Matrix probe' where id = '1a000000-0000-0000-0000-000000000000'$$, 'ddadadd'),
  ('public.organizations', 'delete', 4, $$delete from public.organizations where id = '1a000000-0000-0000-0000-000000000000'$$, 'ddddadd'),
  ('public.organization_members', 'select', 1, $$select 1 from public.organization_members where organization_id = '1a000000-0000-0000-0000-000000000000' and user_id = 'a1000000-0000-0000-0000-00000000000b'$$, 'daadadd'),
  ('public.organization_members', 'insert', 2, $$insert into public.organization_members (organization_id, user_id) values ('1a000000-0000-0000-0000-000000000000', 'c1000000-0000-0000-0000-00000000000c')$$, 'ddadadd'),
  ('public.organization_members', 'update', 3, $$update public.organization_members set role = 'admin' where organization_id = '1a000000-0000-0000-0000-000000000000' and user_id = 'a1000000-0000-0000-0000-00000000000b'$$, 'ddadadd'),
  ('public.organization_members', 'delete', 4, $$delete from public.organization_members where organization_id = '1a000000-0000-0000-0000-000000000000' and user_id = 'a1000000-0000-0000-0000-00000000000b'$$, 'ddadadd'),
  -- profiles: the row is the member of A's own profile (a co-member's for the admin of A).
  ('public.profiles', 'select', 1, $$select 1 from public.profiles where id = 'a1000000-0000-0000-0000-00000000000b'$$, 'daadadd'),
  ('public.profiles', 'insert', 2, $$insert into public.profiles (id, email) values ('d1000000-0000-0000-0000-00000000000d', 'matrix-no-profile@example.test')$$, 'ddddadd'),
  ('public.profiles', 'update', 3, $$update public.profiles set full_name = 'Matrix probe' where id = 'a1000000-0000-0000-0000-00000000000b'$$, 'daddadd'),
  ('public.profiles', 'delete', 4, $$delete from public.profiles where id = 'a1000000-0000-0000-0000-00000000000b'$$, 'ddddadd'),
  -- The plan catalog is readable by any signed-in user.
  ('public.stripe_products', 'select', 1, $$select 1 from public.stripe_products where id = 'prod_mx'$$, 'daaaaaa'),
  ('public.stripe_products', 'insert', 2, $$insert into public.stripe_products (id, raw, stripe_fetched_at) values ('prod_mx_probe', '{}', now())$$, 'ddddadd'),
  ('public.stripe_products', 'update', 3, $$update public.stripe_products set name = 'Matrix probe' where id = 'prod_mx'$$, 'ddddadd'),
  ('public.stripe_products', 'delete', 4, $$delete from public.stripe_products where id = 'prod_mx'$$, 'ddddadd'),
  ('public.stripe_prices', 'select', 1, $$select 1 from public.stripe_prices where id = 'price_mx'$$, 'daaaaaa'),
  ('public.stripe_prices', 'insert', 2, $$insert into public.stripe_prices (id, product_id, raw, stripe_fetched_at) values ('price_mx_probe', 'prod_mx', '{}', now())$$, 'ddddadd'),
  ('public.stripe_prices', 'update', 3, $$update public.stripe_prices set nickname = 'Matrix probe' where id = 'price_mx'$$, 'ddddadd'),
  ('public.stripe_prices', 'delete', 4, $$delete from public.stripe_prices where id = 'price_mx'$$, 'ddddadd'),
  ('public.stripe_customers', 'select', 1, $$select 1 from public.stripe_customers where id = 'cus_mx_a'$$, 'daadadd'),
  ('public.stripe_customers', 'insert', 2, $$insert into public.stripe_customers (id, organization_id, raw, stripe_fetched_at) values ('cus_mx_probe', '1a000000-0000-0000-0000-000000000000', '{}', now())$$, 'ddddadd'),
  ('public.stripe_customers', 'update', 3, $$update public.stripe_customers set email = 'probe@example.test' where id = 'cus_mx_a'$$, 'ddddadd'),
  ('public.stripe_customers', 'delete', 4, $$delete from public.stripe_customers where id = 'cus_mx_a'$$, 'ddddadd'),
  ('public.stripe_subscriptions', 'select', 1, $$select 1 from public.stripe_subscriptions where id = 'sub_mx_a'$$, 'daadadd'),
  ('public.stripe_subscriptions', 'insert', 2, $$insert into public.stripe_subscriptions (id, customer_id, organization_id, status, raw, stripe_fetched_at) values ('sub_mx_probe', 'cus_mx_a', '1a000000-0000-0000-0000-000000000000', 'active', '{}', now())$$, 'ddddadd'),
  ('public.stripe_subscriptions', 'update', 3, $$update public.stripe_subscriptions set status = 'canceled' where id = 'sub_mx_a'$$, 'ddddadd'),
  ('public.stripe_subscriptions', 'delete', 4, $$delete from public.stripe_subscriptions where id = 'sub_mx_a'$$, 'ddddadd'),
  ('public.stripe_invoices', 'select', 1, $$select 1 from public.stripe_invoices where id = 'in_mx_a'$$, 'daadadd'),
  ('public.stripe_invoices', 'insert', 2, $$insert into public.stripe_invoices (id, customer_id, organization_id, raw, stripe_fetched_at) values ('in_mx_probe', 'cus_mx_a', '1a000000-0000-0000-0000-000000000000', '{}', now())$$, 'ddddadd'),
  ('public.stripe_invoices', 'update', 3, $$update public.stripe_invoices set status = 'void' where id = 'in_mx_a'$$, 'ddddadd'),
  ('public.stripe_invoices', 'delete', 4, $$delete from public.stripe_invoices where id = 'in_mx_a'$$, 'ddddadd'),
  -- Invitations: admins read them (never the token hash); every write goes through the invitation functions.
  ('public.organization_invitations', 'select', 1, $$select 1 from public.organization_invitations where id = '1a100000-0000-0000-0000-000000000000'$$, 'ddadadd'),
  ('public.organization_invitations', 'insert', 2, $$insert into public.organization_invitations (organization_id, email, token_hash, expires_at) values ('1a000000-0000-0000-0000-000000000000', 'probe@example.test', repeat('b', 64), now() + interval '1 day')$$, 'ddddadd'),
  ('public.organization_invitations', 'update', 3, $$update public.organization_invitations set revoked_at = now() where id = '1a100000-0000-0000-0000-000000000000'$$, 'ddddadd'),
  ('public.organization_invitations', 'delete', 4, $$delete from public.organization_invitations where id = '1a100000-0000-0000-0000-000000000000'$$, 'ddddadd'),
  -- projects (the example product table): members create within the plan's limit, as themselves; only
  -- admins and the creator (here the admin of A) delete.
  ('public.projects', 'select', 1, $$select 1 from public.projects where id = '1a0000e0-0000-0000-0000-000000000000'$$, 'daadadd'),
  ('public.projects', 'insert', 2, $$insert into public.projects (organization_id, name) values ('1a000000-0000-0000-0000-000000000000', 'Matrix probe')$$, 'daadadd'),
  ('public.projects', 'update', 3, $$update public.projects set name = 'Matrix probe' where id = '1a0000e0-0000-0000-0000-000000000000'$$, 'daadadd'),
  ('public.projects', 'delete', 4, $$delete from public.projects where id = '1a0000e0-0000-0000-0000-000000000000'$$, 'ddadadd');

-- Completeness: every relation clients could reach through the API is in the matrix with all four
-- operations (exposed schemas as in config.toml [api] schemas).
select is(
  (select array_agg(format('%I.%I', n.nspname, c.relname) order by 1) from pg_class c join pg_namespace n on n.oid = c.relnamespace
   where n.nspname in ('public', 'graphql_public') and c.relkind in ('r', 'p', 'v', 'm', 'f')
     and format('%I.%I', n.nspname, c.relname) not in (select tbl from tests.matrix_cells group by tbl having count(*) = 4)),
  null, 'every table and view in an exposed schema has a select, insert, update and delete row in the matrix');
select is(
  (select array_agg(format('%I.%I', n.nspname, c.relname) order by 1) from pg_class c join pg_namespace n on n.oid = c.relnamespace
   where n.nspname in ('public', 'graphql_public') and c.relkind in ('r', 'p') and not c.relrowsecurity),
  null, 'every table in an exposed schema has row-level security on');

-- The 280 cells.
create temp table matrix_results as
  select m.tbl, m.op, m.position as op_position, r.position as role_position, r.who,
    substr(m.expected, r.position, 1) = 'a' as allowed, tests.probe(r.api_role, r.claims, m.stmt) as outcome
  from tests.matrix_cells m cross join tests.matrix_roles r;

select is(
  case when allowed then outcome when outcome in ('denied', 'no rows') then 'denied' else outcome end,
  case when allowed then 'allowed' else 'denied' end,
  format('%s: %s as %s is %s', tbl, op, who, case when allowed then 'allowed' else 'denied' end))
from matrix_results order by tbl, op_position, role_position;

-- Every probe was undone: org A's rows are all still there, unchanged.
select is((select name from public.organizations where id = '1a000000-0000-0000-0000-000000000000'), 'Matrix A', 'the probes left org A as it was');
select is((select count(*)::int from public.organization_members where organization_id = '1a000000-0000-0000-0000-000000000000'), 2,
  'the probes left org A''s members as they were');

-- No client role (any column of the matrix but service_role) reaches any table or view in a private
-- schema, for any of the four operations, whatever is added there later. Each probe names a real column,
-- so only the privilege check can stop it.
create temp table private_probes as
  select r.who, op, format('%I.%I', n.nspname, c.relname) as rel,
    tests.probe(r.api_role, r.claims, case op
      when 'select' then format('select 1 from %I.%I', n.nspname, c.relname)
      when 'insert' then format('insert into %I.%I (%I) values (null)', n.nspname, c.relname, a.attname)
      when 'update' then format('update %I.%I set %I = null', n.nspname, c.relname, a.attname)
      else format('delete from %I.%I', n.nspname, c.relname) end) as outcome
  from pg_class c join pg_namespace n on n.oid = c.relnamespace
  join pg_attribute a on a.attrelid = c.oid and a.attnum = (select min(attnum) from pg_attribute where attrelid = c.oid and attnum > 0 and not attisdropped)
  cross join tests.matrix_roles r cross join unnest(array['select', 'insert', 'update', 'delete']) op
  where n.nspname in ('billing', 'ops', 'pgmq', 'cron', 'net', 'vault', 'auth', 'supabase_migrations')
    and c.relkind in ('r', 'p', 'v', 'm') and r.api_role in ('anon', 'authenticated');
select is((select array_agg(format('%s: %s on %s is %s', who, op, rel, outcome) order by 1) from private_probes where outcome <> 'denied'),
  null, 'no client role can select, insert, update or delete in any table or view of a private schema');
select ok((select count(distinct rel) >= 20 and count(distinct who) = 6 and count(distinct op) = 4 from private_probes),
  'the private-schema probes covered every client column, operation and private table');

-- The tenancy functions as users of another organization, or of none: has_org_role says no for org A
-- (while the admin of B is an admin of B), and an admin holds the member role too; plan_limits_for gives
-- every signed-in user the plan's limits.
select is(
  (select array_agg(format('%s: %s %s %s %s', r.who,
      tests.value_as(r.api_role, r.claims, $$public.has_org_role('1a000000-0000-0000-0000-000000000000')$$),
      tests.value_as(r.api_role, r.claims, $$public.has_org_role('1a000000-0000-0000-0000-000000000000', 'member')$$),
      tests.value_as(r.api_role, r.claims, $$public.has_org_role('1a000000-0000-0000-0000-000000000000', 'admin')$$),
      tests.value_as(r.api_role, r.claims, $$public.has_org_role('1b000000-0000-0000-0000-000000000000', 'admin')$$)) order by r.position)
   from tests.matrix_roles r),
  array['anon: denied denied denied denied', 'member of A: true true false false', 'admin of A: true true true false',
    'member of B: false false false false', 'service_role: false false false false', 'admin of B: false false false true',
    'user in no organization: false false false false'],
  'has_org_role(A), has_org_role(A, member), has_org_role(A, admin) and has_org_role(B, admin) for each column of the matrix');
select is(
  (select array_agg(format('%s: %s', r.who, tests.value_as(r.api_role, r.claims, $$public.plan_limits_for('price_mx')$$)) order by r.position)
   from tests.matrix_roles r),
  array['anon: denied', 'member of A: {"seats": 5, "projects": 3}', 'admin of A: {"seats": 5, "projects": 3}', 'member of B: {"seats": 5, "projects": 3}',
    'service_role: {"seats": 5, "projects": 3}', 'admin of B: {"seats": 5, "projects": 3}', 'user in no organization: {"seats": 5, "projects": 3}'],
  'plan_limits_for: the plan''s limits for any signed-in user, whatever their organization; refused to anon');

-- Tenant isolation: the whole of each tenant table as each client column sees it. The cells above aim at
-- org A's row only; this shows that no one sees a row of another organization (or, without one, any row).
create temp table visible_rows as
  select r.position, r.who, v.tbl, tests.value_as(r.api_role, r.claims, format('(select array_agg(%s order by %s) from %s)', v.col, v.col, v.tbl)) as seen
  from tests.matrix_roles r cross join (values
    ('public.organizations', 'name'), ('public.organization_members', 'left(user_id::text, 2) || right(user_id::text, 1) || '' '' || role'),
    ('public.profiles', 'email'), ('public.stripe_customers', 'id'), ('public.stripe_subscriptions', 'id'), ('public.stripe_invoices', 'id')) v (tbl, col)
  where r.api_role <> 'service_role';
select is((select array_agg(format('%s: %s', who, seen) order by position) from visible_rows where tbl = 'public.organizations'),
  array['anon: denied', 'member of A: {"Matrix A"}', 'admin of A: {"Matrix A"}', 'member of B: {"Matrix B"}', 'admin of B: {"Matrix B"}',
    'user in no organization: null'], 'organizations: each member sees their own organization only');
select is((select array_agg(format('%s: %s', who, seen) order by position) from visible_rows where tbl = 'public.organization_members'),
  array['anon: denied', 'member of A: {"a1a admin","a1b member"}', 'admin of A: {"a1a admin","a1b member"}',
    'member of B: {"b1a admin","b1b member"}', 'admin of B: {"b1a admin","b1b member"}', 'user in no organization: null'],
  'organization_members: each member sees their own organization''s members only');
select is((select array_agg(format('%s: %s', who, seen) order by position) from visible_rows where tbl = 'public.profiles'),
  array['anon: denied', 'member of A: {matrix-admin-a@example.test,matrix-member-a@example.test}',
    'admin of A: {matrix-admin-a@example.test,matrix-member-a@example.test}',
    'member of B: {matrix-admin-b@example.test,matrix-member-b@example.test}',
    'admin of B: {matrix-admin-b@example.test,matrix-member-b@example.test}', 'user in no organization: {matrix-newcomer@example.test}'],
  'profiles: a user sees their own and their co-members'' only');
select is((select array_agg(format('%s: %s', who, seen) order by position) from visible_rows where tbl = 'public.stripe_customers'),
  array['anon: denied', 'member of A: {cus_mx_a}', 'admin of A: {cus_mx_a}', 'member of B: {cus_mx_b}', 'admin of B: {cus_mx_b}',
    'user in no organization: null'], 'stripe_customers: each member sees their organization''s customer only');
select is((select array_agg(format('%s: %s', who, seen) order by position) from visible_rows where tbl = 'public.stripe_subscriptions'),
  array['anon: denied', 'member of A: {sub_mx_a}', 'admin of A: {sub_mx_a}', 'member of B: {sub_mx_b}', 'admin of B: {sub_mx_b}',
    'user in no organization: null'], 'stripe_subscriptions: each member sees their organization''s subscriptions only');
select is((select array_agg(format('%s: %s', who, seen) order by position) from visible_rows where tbl = 'public.stripe_invoices'),
  array['anon: denied', 'member of A: {in_mx_a}', 'admin of A: {in_mx_a}', 'member of B: {in_mx_b}', 'admin of B: {in_mx_b}',
    'user in no organization: null'], 'stripe_invoices: each member sees their organization''s invoices only');
select is(tests.value_as('service_role', '{"role": "service_role"}', $$(select format('%s %s %s %s %s',
    (select count(*) from public.organizations where id in ('1a000000-0000-0000-0000-000000000000', '1b000000-0000-0000-0000-000000000000')),
    (select count(*) from public.organization_members where organization_id in ('1a000000-0000-0000-0000-000000000000', '1b000000-0000-0000-0000-000000000000')),
    (select count(*) from public.stripe_customers where id in ('cus_mx_a', 'cus_mx_b')),
    (select count(*) from public.stripe_subscriptions where id in ('sub_mx_a', 'sub_mx_b')),
    (select count(*) from public.stripe_invoices where id in ('in_mx_a', 'in_mx_b'))))$$),
  '2 4 2 2 2', 'service_role sees the rows of both organizations in every tenant table');

-- Columns: an admin edits only the organization's name and billing email; its billing fields are the
-- sync's (service_role) alone, whatever the row policy allows.
select is(tests.probe(api_role, claims, format('update public.organizations set %s where id = %L', assignment, '1a000000-0000-0000-0000-000000000000')),
  expected, description)
from (values
  (1, 'admin of A', $$billing_email = 'billing@matrix.test'$$, 'allowed', 'an admin of A can update the billing email'),
  (2, 'admin of A', $$billing_status = 'active'$$, 'denied', 'an admin of A cannot write the billing status'),
  (3, 'admin of A', $$plan_limits = '{"seats": 999}'$$, 'denied', 'an admin of A cannot write plan limits'),
  (4, 'admin of A', $$stripe_customer_id = 'cus_x'$$, 'denied', 'an admin of A cannot write the Stripe customer id'),
  (5, 'member of A', $$billing_status = 'active'$$, 'denied', 'a member of A cannot write the billing status'),
  (6, 'service_role', $$billing_status = 'past_due'$$, 'allowed', 'service_role writes the billing status')
) as cell(n, who, assignment, expected, description)
join tests.matrix_roles using (who)
order by n;
select ok(tests.probe('service_role', '{"role": "service_role"}', 'select 1 from billing.stripe_events') in ('allowed', 'no rows'),
  'service_role reaches the billing schema');

-- create_organization: refused to anon; a signed-in user in no organization creates one and is its admin.
select is(tests.value_as('anon', '{"role": "anon"}', $$public.create_organization('Matrix anon')$$), 'denied', 'anon cannot create an organization');
select isnt(tests.value_as(api_role, claims, $$public.create_organization('Matrix C')$$), 'null', 'a signed-in user can create an organization')
  from tests.matrix_roles where who = 'user in no organization';
select is((select array_agg(m.user_id::text || ' ' || m.role) from public.organization_members m join public.organizations o on o.id = m.organization_id
  where o.name = 'Matrix C'), array['c1000000-0000-0000-0000-00000000000c admin'], 'and becomes its only member, an admin');

select * from finish();
rollback;
