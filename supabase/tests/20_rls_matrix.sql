-- The RLS matrix: for each tenant table, each role (anon; a member of org A; an admin of org A; a member
-- of org B; service_role) and each operation, the allowed cases succeed and the denied ones fail,
-- run as the real role with real JWT claims.
begin;
\ir _helpers.psql
select plan(56);

select tests.create_user('a0000000-0000-0000-0000-00000000000a', 'admin-a@example.test');
select tests.create_user('a0000000-0000-0000-0000-00000000000b', 'member-a@example.test');
select tests.create_user('b0000000-0000-0000-0000-00000000000b', 'member-b@example.test');
insert into public.organizations (id, name, billing_status, stripe_customer_id) values
  ('0a000000-0000-0000-0000-000000000000', 'Org A', 'active', 'cus_rls_a'),
  ('0b000000-0000-0000-0000-000000000000', 'Org B', 'active', 'cus_rls_b');
insert into public.organization_members (organization_id, user_id, role) values
  ('0a000000-0000-0000-0000-000000000000', 'a0000000-0000-0000-0000-00000000000a', 'admin'),
  ('0a000000-0000-0000-0000-000000000000', 'a0000000-0000-0000-0000-00000000000b', 'member'),
  ('0b000000-0000-0000-0000-000000000000', 'b0000000-0000-0000-0000-00000000000b', 'member');
insert into public.stripe_products (id, name, raw, stripe_fetched_at) values ('prod_rls', 'Pro', '{}', now());
insert into public.stripe_prices (id, product_id, raw, stripe_fetched_at) values ('price_rls', 'prod_rls', '{}', now());
insert into public.stripe_customers (id, organization_id, raw, stripe_fetched_at) values
  ('cus_rls_a', '0a000000-0000-0000-0000-000000000000', '{}', now()), ('cus_rls_b', '0b000000-0000-0000-0000-000000000000', '{}', now());
insert into public.stripe_subscriptions (id, customer_id, organization_id, status, raw, stripe_fetched_at) values
  ('sub_rls_a', 'cus_rls_a', '0a000000-0000-0000-0000-000000000000', 'active', '{}', now()),
  ('sub_rls_b', 'cus_rls_b', '0b000000-0000-0000-0000-000000000000', 'active', '{}', now());
insert into public.stripe_invoices (id, customer_id, organization_id, status, raw, stripe_fetched_at) values
  ('in_rls_a', 'cus_rls_a', '0a000000-0000-0000-0000-000000000000', 'paid', '{}', now()),
  ('in_rls_b', 'cus_rls_b', '0b000000-0000-0000-0000-000000000000', 'paid', '{}', now());

-- anon: reads nothing, writes nothing.
select tests.as_anon();
select throws_ok($$ select * from public.organizations $$, '42501', null, 'anon cannot select organizations');
select throws_ok($$ select * from public.organization_members $$, '42501', null, 'anon cannot select members');
select throws_ok($$ select * from public.profiles $$, '42501', null, 'anon cannot select profiles');
select throws_ok($$ select * from public.stripe_customers $$, '42501', null, 'anon cannot select Stripe customers');
select throws_ok($$ select * from public.stripe_subscriptions $$, '42501', null, 'anon cannot select subscriptions');
select throws_ok($$ select * from public.stripe_invoices $$, '42501', null, 'anon cannot select invoices');
select throws_ok($$ select * from public.stripe_products $$, '42501', null, 'anon cannot select products');
select throws_ok($$ select * from public.stripe_prices $$, '42501', null, 'anon cannot select prices');
select throws_ok($$ insert into public.organizations (name) values ('x') $$, '42501', null, 'anon cannot insert organizations');
select throws_ok($$ select public.create_organization('x') $$, '42501', null, 'anon cannot create an organization');
select tests.reset_role();

-- A member of org A.
select tests.authenticate_as('a0000000-0000-0000-0000-00000000000b');
select results_eq($$ select name from public.organizations $$, array['Org A'], 'a member of A sees only org A');
select results_eq($$ select id from public.stripe_subscriptions $$, array['sub_rls_a'], 'a member of A sees only A''s subscriptions');
select results_eq($$ select id from public.stripe_invoices $$, array['in_rls_a'], 'a member of A sees only A''s invoices');
select results_eq($$ select id from public.stripe_customers $$, array['cus_rls_a'], 'a member of A sees only A''s Stripe customer');
select is((select count(*)::int from public.organization_members), 2, 'a member of A sees A''s two members');
select is((select count(*)::int from public.profiles), 2, 'a member of A sees their own and co-members'' profiles');
select results_eq($$ select id from public.stripe_prices where id = 'price_rls' $$, array['price_rls'], 'a member can read the plan catalog');
update public.organizations set name = 'Renamed by member' where id = '0a000000-0000-0000-0000-000000000000';
select throws_ok($$ update public.organizations set billing_status = 'active' $$, '42501', null, 'a member cannot write billing status');
select throws_ok($$ insert into public.organization_members (organization_id, user_id) values ('0a000000-0000-0000-0000-000000000000', 'b0000000-0000-0000-0000-00000000000b') $$,
  '42501', null, 'a member cannot add members');
delete from public.organization_members where user_id = 'a0000000-0000-0000-0000-00000000000a';
select throws_ok($$ insert into public.stripe_invoices (id, customer_id, raw, stripe_fetched_at) values ('in_x', 'cus_rls_a', '{}', now()) $$,
  '42501', null, 'a member cannot insert invoices');
select throws_ok($$ update public.stripe_subscriptions set status = 'canceled' $$, '42501', null, 'a member cannot update subscriptions');
select throws_ok($$ delete from public.stripe_invoices $$, '42501', null, 'a member cannot delete invoices');
select throws_ok($$ select * from billing.stripe_events $$, '42501', null, 'a member cannot reach the billing schema');
select throws_ok($$ delete from public.organizations $$, '42501', null, 'a member cannot delete organizations');
select tests.reset_role();
select is((select name from public.organizations where id = '0a000000-0000-0000-0000-000000000000'), 'Org A', 'the member''s rename changed nothing');
select is((select count(*)::int from public.organization_members where organization_id = '0a000000-0000-0000-0000-000000000000'), 2,
  'the member''s delete of the admin changed nothing');

-- An admin of org A.
select tests.authenticate_as('a0000000-0000-0000-0000-00000000000a');
select lives_ok($$ update public.organizations set name = 'Org A2', billing_email = 'billing@a.test' where id = '0a000000-0000-0000-0000-000000000000' $$,
  'an admin can update name and billing email');
update public.organizations set name = 'Hijacked' where id = '0b000000-0000-0000-0000-000000000000';
select throws_ok($$ update public.organizations set plan_limits = '{"seats": 999}' $$, '42501', null, 'an admin cannot write plan limits');
select throws_ok($$ update public.organizations set stripe_customer_id = 'cus_x' $$, '42501', null, 'an admin cannot write the Stripe customer id');
select lives_ok($$ update public.organization_members set role = 'admin' where user_id = 'a0000000-0000-0000-0000-00000000000b' $$,
  'an admin can change a member''s role');
select lives_ok($$ insert into public.organization_members (organization_id, user_id) values ('0a000000-0000-0000-0000-000000000000', 'b0000000-0000-0000-0000-00000000000b') $$,
  'an admin can add a member');
select lives_ok($$ delete from public.organization_members where organization_id = '0a000000-0000-0000-0000-000000000000' and user_id = 'b0000000-0000-0000-0000-00000000000b' $$,
  'an admin can remove a member');
select throws_ok($$ insert into public.organization_members (organization_id, user_id) values ('0b000000-0000-0000-0000-000000000000', 'a0000000-0000-0000-0000-00000000000a') $$,
  '42501', null, 'an admin of A cannot join org B');
select results_eq($$ select id from public.stripe_invoices $$, array['in_rls_a'], 'an admin of A sees only A''s invoices');
select throws_ok($$ insert into public.stripe_products (id, raw, stripe_fetched_at) values ('prod_x', '{}', now()) $$, '42501', null, 'an admin cannot write products');
select throws_ok($$ update public.stripe_prices set nickname = 'x' $$, '42501', null, 'an admin cannot write prices');
select throws_ok($$ delete from public.stripe_customers $$, '42501', null, 'an admin cannot delete Stripe customers');
select throws_ok($$ insert into public.organizations (name) values ('x') $$, '42501', null, 'an admin cannot insert organizations directly');
select tests.reset_role();
select is((select name from public.organizations where id = '0a000000-0000-0000-0000-000000000000'), 'Org A2', 'the admin''s rename of A took');
select is((select name from public.organizations where id = '0b000000-0000-0000-0000-000000000000'), 'Org B', 'the admin''s rename of B changed nothing');
select is((select role from public.organization_members where user_id = 'a0000000-0000-0000-0000-00000000000b'), 'admin', 'the role change took');

-- A member of org B.
select tests.authenticate_as('b0000000-0000-0000-0000-00000000000b');
select results_eq($$ select name from public.organizations $$, array['Org B'], 'a member of B sees only org B');
select results_eq($$ select id from public.stripe_subscriptions $$, array['sub_rls_b'], 'a member of B sees only B''s subscriptions');
select results_eq($$ select id from public.stripe_invoices $$, array['in_rls_b'], 'a member of B sees only B''s invoices');
select is((select count(*)::int from public.profiles where email like '%-a@example.test'), 0, 'a member of B sees no profile of A''s members');
select is((select count(*)::int from public.organization_members where organization_id = '0a000000-0000-0000-0000-000000000000'), 0, 'a member of B sees none of A''s members');
select isnt(public.create_organization('Org C'), null, 'a signed-in user can create an organization');
select is((select role from public.organization_members m join public.organizations o on o.id = m.organization_id where o.name = 'Org C'), 'admin',
  'and becomes its admin');
select tests.reset_role();

-- service_role: reads and writes everything the sync needs.
select tests.as_service_role();
select is((select count(*)::int from public.organizations where name in ('Org A2', 'Org B')), 2, 'service_role reads every organization');
select is((select count(*)::int from public.stripe_invoices where id like 'in_rls_%'), 2, 'service_role reads every invoice');
select lives_ok($$ update public.organizations set billing_status = 'past_due' where id = '0b000000-0000-0000-0000-000000000000' $$, 'service_role writes billing status');
select lives_ok($$ insert into public.stripe_invoices (id, customer_id, raw, stripe_fetched_at) values ('in_rls_c', 'cus_rls_a', '{}', now()) $$, 'service_role writes invoices');
select lives_ok($$ update public.stripe_subscriptions set status = 'past_due' where id = 'sub_rls_b' $$, 'service_role updates subscriptions');
select lives_ok($$ delete from public.stripe_invoices where id = 'in_rls_c' $$, 'service_role deletes invoices');
select lives_ok($$ select id from billing.stripe_events limit 1 $$, 'service_role reaches the billing schema');
select tests.reset_role();

select is((select count(*)::int from pg_tables t join pg_class c on c.oid = (quote_ident(t.schemaname) || '.' || quote_ident(t.tablename))::regclass
  where t.schemaname = 'public' and not c.relrowsecurity), 0, 'every table in public has RLS on');

select * from finish();
rollback;
