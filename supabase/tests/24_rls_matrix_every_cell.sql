-- The full RLS matrix: every table in an exposed schema × every role (anon; a member of org A; an admin
-- of org A; a member of org B; service_role) × every operation (select, insert, update, delete), each
-- cell run as the real role with real JWT claims against org A's rows. An allowed cell must touch its
-- row; a denied cell must fail with insufficient_privilege or touch nothing. A table added to an exposed
-- schema without rows here fails the completeness check, so the matrix cannot silently fall behind.
begin;
\ir _helpers.psql
select plan(166);

-- The people: admin and member of A, member of B, a user in no organization, a user without a profile.
select tests.create_user('a1000000-0000-0000-0000-00000000000a', 'matrix-admin-a@example.test');
select tests.create_user('a1000000-0000-0000-0000-00000000000b', 'matrix-member-a@example.test');
select tests.create_user('b1000000-0000-0000-0000-00000000000b', 'matrix-member-b@example.test');
select tests.create_user('c1000000-0000-0000-0000-00000000000c', 'matrix-newcomer@example.test');
select tests.create_user('d1000000-0000-0000-0000-00000000000d', 'matrix-no-profile@example.test');
delete from public.profiles where id = 'd1000000-0000-0000-0000-00000000000d';

insert into public.organizations (id, name, billing_status, stripe_customer_id) values
  ('1a000000-0000-0000-0000-000000000000', 'Matrix A', 'active', 'cus_mx_a'),
  ('1b000000-0000-0000-0000-000000000000', 'Matrix B', 'active', 'cus_mx_b');
insert into public.organization_members (organization_id, user_id, role) values
  ('1a000000-0000-0000-0000-000000000000', 'a1000000-0000-0000-0000-00000000000a', 'admin'),
  ('1a000000-0000-0000-0000-000000000000', 'a1000000-0000-0000-0000-00000000000b', 'member'),
  ('1b000000-0000-0000-0000-000000000000', 'b1000000-0000-0000-0000-00000000000b', 'member');
insert into public.stripe_products (id, name, raw, stripe_fetched_at) values ('prod_mx', 'Matrix plan', '{}', now());
insert into public.stripe_prices (id, product_id, raw, stripe_fetched_at) values ('price_mx', 'prod_mx', '{}', now());
insert into public.stripe_customers (id, organization_id, email, raw, stripe_fetched_at) values
  ('cus_mx_a', '1a000000-0000-0000-0000-000000000000', 'matrix-admin-a@example.test', '{}', now()),
  ('cus_mx_b', '1b000000-0000-0000-0000-000000000000', 'matrix-member-b@example.test', '{}', now());
insert into public.stripe_subscriptions (id, customer_id, organization_id, status, raw, stripe_fetched_at) values
  ('sub_mx_a', 'cus_mx_a', '1a000000-0000-0000-0000-000000000000', 'active', '{}', now()),
  ('sub_mx_b', 'cus_mx_b', '1b000000-0000-0000-0000-000000000000', 'active', '{}', now());
insert into public.stripe_invoices (id, customer_id, organization_id, status, raw, stripe_fetched_at) values
  ('in_mx_a', 'cus_mx_a', '1a000000-0000-0000-0000-000000000000', 'paid', '{}', now()),
  ('in_mx_b', 'cus_mx_b', '1b000000-0000-0000-0000-000000000000', 'paid', '{}', now());

-- Who each column of the matrix is: the API role and the JWT claims the gateway would carry.
create table tests.matrix_roles (position int primary key, who text not null, api_role text not null, claims jsonb not null);
insert into tests.matrix_roles values
  (1, 'anon', 'anon', '{"role": "anon"}'),
  (2, 'member of A', 'authenticated', '{"sub": "a1000000-0000-0000-0000-00000000000b", "role": "authenticated", "aud": "authenticated", "email": "matrix-member-a@example.test"}'),
  (3, 'admin of A', 'authenticated', '{"sub": "a1000000-0000-0000-0000-00000000000a", "role": "authenticated", "aud": "authenticated", "email": "matrix-admin-a@example.test"}'),
  (4, 'member of B', 'authenticated', '{"sub": "b1000000-0000-0000-0000-00000000000b", "role": "authenticated", "aud": "authenticated", "email": "matrix-member-b@example.test"}'),
  (5, 'service_role', 'service_role', '{"role": "service_role"}');

-- Runs one statement as a role and says what happened, then undoes it (the probe's own error rolls its
-- subtransaction back), so every cell starts from the same data.
create function tests.probe(p_api_role text, p_claims jsonb, p_sql text) returns text language plpgsql as $$
declare
  v_rows bigint;
  v_outcome text;
begin
  perform set_config('request.jwt.claims', p_claims::text, true);
  execute format('set local role %I', p_api_role);
  begin
    if p_sql ~* '^\s*select' then
      execute format('select count(*) from (%s) cell', p_sql) into v_rows;
    else
      execute p_sql;
      get diagnostics v_rows = row_count;
    end if;
    raise exception using errcode = 'ZZ001', message = v_rows::text;
  exception
    when sqlstate 'ZZ001' then v_outcome := case when sqlerrm::bigint > 0 then 'allowed' else 'no rows' end;
    when insufficient_privilege then v_outcome := 'denied';
    when others then v_outcome := format('error %s: %s', sqlstate, sqlerrm);
  end;
  reset role;
  perform set_config('request.jwt.claims', '', true);
  return v_outcome;
end
$$;

-- One row per table and operation: the statement (aimed at org A's rows) and who may do it, in the
-- order of tests.matrix_roles (a = allowed, d = denied).
create table tests.matrix_cells (tbl text, op text, position int, stmt text not null, expected text not null,
  primary key (tbl, op), check (expected ~ '^[ad]{5}$'));
insert into tests.matrix_cells values
  ('public.organizations', 'select', 1, $$select 1 from public.organizations where id = '1a000000-0000-0000-0000-000000000000'$$, 'daada'),
  ('public.organizations', 'insert', 2, $$insert into public.organizations (name) values ('Matrix probe')$$, 'dddda'),
  ('public.organizations', 'update', 3, $$update public.organizations set name = 'Matrix probe' where id = '1a000000-0000-0000-0000-000000000000'$$, 'ddada'),
  ('public.organizations', 'delete', 4, $$delete from public.organizations where id = '1a000000-0000-0000-0000-000000000000'$$, 'dddda'),
  ('public.organization_members', 'select', 1, $$select 1 from public.organization_members where organization_id = '1a000000-0000-0000-0000-000000000000' and user_id = 'a1000000-0000-0000-0000-00000000000b'$$, 'daada'),
  ('public.organization_members', 'insert', 2, $$insert into public.organization_members (organization_id, user_id) values ('1a000000-0000-0000-0000-000000000000', 'c1000000-0000-0000-0000-00000000000c')$$, 'ddada'),
  ('public.organization_members', 'update', 3, $$update public.organization_members set role = 'admin' where organization_id = '1a000000-0000-0000-0000-000000000000' and user_id = 'a1000000-0000-0000-0000-00000000000b'$$, 'ddada'),
  ('public.organization_members', 'delete', 4, $$delete from public.organization_members where organization_id = '1a000000-0000-0000-0000-000000000000' and user_id = 'a1000000-0000-0000-0000-00000000000b'$$, 'ddada'),
  -- profiles: the row is the member of A's own profile (a co-member's for the admin of A).
  ('public.profiles', 'select', 1, $$select 1 from public.profiles where id = 'a1000000-0000-0000-0000-00000000000b'$$, 'daada'),
  ('public.profiles', 'insert', 2, $$insert into public.profiles (id, email) values ('d1000000-0000-0000-0000-00000000000d', 'matrix-no-profile@example.test')$$, 'dddda'),
  ('public.profiles', 'update', 3, $$update public.profiles set full_name = 'Matrix probe' where id = 'a1000000-0000-0000-0000-00000000000b'$$, 'dadda'),
  ('public.profiles', 'delete', 4, $$delete from public.profiles where id = 'a1000000-0000-0000-0000-00000000000b'$$, 'dddda'),
  -- The plan catalog is readable by any signed-in user.
  ('public.stripe_products', 'select', 1, $$select 1 from public.stripe_products where id = 'prod_mx'$$, 'daaaa'),
  ('public.stripe_products', 'insert', 2, $$insert into public.stripe_products (id, raw, stripe_fetched_at) values ('prod_mx_probe', '{}', now())$$, 'dddda'),
  ('public.stripe_products', 'update', 3, $$update public.stripe_products set name = 'Matrix probe' where id = 'prod_mx'$$, 'dddda'),
  ('public.stripe_products', 'delete', 4, $$delete from public.stripe_products where id = 'prod_mx'$$, 'dddda'),
  ('public.stripe_prices', 'select', 1, $$select 1 from public.stripe_prices where id = 'price_mx'$$, 'daaaa'),
  ('public.stripe_prices', 'insert', 2, $$insert into public.stripe_prices (id, product_id, raw, stripe_fetched_at) values ('price_mx_probe', 'prod_mx', '{}', now())$$, 'dddda'),
  ('public.stripe_prices', 'update', 3, $$update public.stripe_prices set nickname = 'Matrix probe' where id = 'price_mx'$$, 'dddda'),
  ('public.stripe_prices', 'delete', 4, $$delete from public.stripe_prices where id = 'price_mx'$$, 'dddda'),
  ('public.stripe_customers', 'select', 1, $$select 1 from public.stripe_customers where id = 'cus_mx_a'$$, 'daada'),
  ('public.stripe_customers', 'insert', 2, $$insert into public.stripe_customers (id, organization_id, raw, stripe_fetched_at) values ('cus_mx_probe', '1a000000-0000-0000-0000-000000000000', '{}', now())$$, 'dddda'),
  ('public.stripe_customers', 'update', 3, $$update public.stripe_customers set email = 'probe@example.test' where id = 'cus_mx_a'$$, 'dddda'),
  ('public.stripe_customers', 'delete', 4, $$delete from public.stripe_customers where id = 'cus_mx_a'$$, 'dddda'),
  ('public.stripe_subscriptions', 'select', 1, $$select 1 from public.stripe_subscriptions where id = 'sub_mx_a'$$, 'daada'),
  ('public.stripe_subscriptions', 'insert', 2, $$insert into public.stripe_subscriptions (id, customer_id, organization_id, status, raw, stripe_fetched_at) values ('sub_mx_probe', 'cus_mx_a', '1a000000-0000-0000-0000-000000000000', 'active', '{}', now())$$, 'dddda'),
  ('public.stripe_subscriptions', 'update', 3, $$update public.stripe_subscriptions set status = 'canceled' where id = 'sub_mx_a'$$, 'dddda'),
  ('public.stripe_subscriptions', 'delete', 4, $$delete from public.stripe_subscriptions where id = 'sub_mx_a'$$, 'dddda'),
  ('public.stripe_invoices', 'select', 1, $$select 1 from public.stripe_invoices where id = 'in_mx_a'$$, 'daada'),
  ('public.stripe_invoices', 'insert', 2, $$insert into public.stripe_invoices (id, customer_id, organization_id, raw, stripe_fetched_at) values ('in_mx_probe', 'cus_mx_a', '1a000000-0000-0000-0000-000000000000', '{}', now())$$, 'dddda'),
  ('public.stripe_invoices', 'update', 3, $$update public.stripe_invoices set status = 'void' where id = 'in_mx_a'$$, 'dddda'),
  ('public.stripe_invoices', 'delete', 4, $$delete from public.stripe_invoices where id = 'in_mx_a'$$, 'dddda');

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

-- The 160 cells.
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

-- No client role reaches anything in the private schemas, whatever table is added there later.
select is(
  (select array_agg(format('%s on %I.%I', r.who, n.nspname, c.relname) order by 1)
   from pg_class c join pg_namespace n on n.oid = c.relnamespace cross join tests.matrix_roles r
   where n.nspname in ('billing', 'ops') and c.relkind in ('r', 'p', 'v', 'm') and r.api_role in ('anon', 'authenticated')
     and tests.probe(r.api_role, r.claims, format('select 1 from %I.%I', n.nspname, c.relname)) <> 'denied'),
  null, 'no client role can select from any table or view in billing or ops');
select is(
  (select array_agg(format('%s on %I.%I', r.who, n.nspname, c.relname) order by 1)
   from pg_class c join pg_namespace n on n.oid = c.relnamespace cross join tests.matrix_roles r
   where n.nspname = 'billing' and c.relkind in ('r', 'p') and r.api_role in ('anon', 'authenticated')
     and tests.probe(r.api_role, r.claims, format('delete from %I.%I', n.nspname, c.relname)) <> 'denied'),
  null, 'no client role can delete from any billing table');

select * from finish();
rollback;
