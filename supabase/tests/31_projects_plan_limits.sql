-- The example product table: public.projects under RLS, as real signed-in users. Creating needs
-- membership, the caller as creator, an active entitlement and a count below plan_limits.projects; a
-- downgrade below usage keeps the rows and blocks new ones until usage drops under the new limit.
begin;
\ir _helpers.psql
select plan(23);

select tests.create_user('a3000000-0000-0000-0000-00000000000a', 'projects-admin@example.test');
select tests.create_user('a3000000-0000-0000-0000-00000000000b', 'projects-member@example.test');
select tests.create_user('b3000000-0000-0000-0000-00000000000b', 'projects-outsider@example.test');
insert into public.organizations (id, name, billing_status) values ('3a000000-0000-0000-0000-000000000000', 'Projects A', 'active');
insert into public.organization_members (organization_id, user_id, role) values
  ('3a000000-0000-0000-0000-000000000000', 'a3000000-0000-0000-0000-00000000000a', 'admin'),
  ('3a000000-0000-0000-0000-000000000000', 'a3000000-0000-0000-0000-00000000000b', 'member');
insert into public.stripe_products (id, name, metadata, raw, stripe_fetched_at) values
  ('prod_pj', 'Projects plan', '{"limits.projects": "2"}', '{}', now());
insert into public.stripe_prices (id, product_id, metadata, raw, stripe_fetched_at) values
  ('price_pj_small', 'prod_pj', '{}', '{}', now()),
  ('price_pj_big', 'prod_pj', '{"limits.projects": "3"}', '{}', now()),
  ('price_pj_unlimited', 'prod_pj', '{"limits.projects": "unlimited"}', '{}', now()),
  ('price_pj_none', 'prod_pj', '{"limits.projects": "0"}', '{}', now());
update public.organizations set price_id = 'price_pj_small' where id = '3a000000-0000-0000-0000-000000000000';

-- Inserts one project as a user; 'ok' or the SQLSTATE of the refusal.
create function tests.create_project(p_user uuid, p_name text, p_created_by uuid default null) returns text language plpgsql as $$
begin
  perform tests.authenticate_as(p_user);
  begin
    if p_created_by is null then
      insert into public.projects (organization_id, name) values ('3a000000-0000-0000-0000-000000000000', p_name);
    else
      insert into public.projects (organization_id, name, created_by) values ('3a000000-0000-0000-0000-000000000000', p_name, p_created_by);
    end if;
    perform tests.reset_role();
    return 'ok';
  exception when others then
    perform tests.reset_role();
    return sqlstate;
  end;
end
$$;
create function tests.project_count() returns int language sql as $$
  select count(*)::int from public.projects where organization_id = '3a000000-0000-0000-0000-000000000000'
$$;

-- plan_limit_allows: each kind of limit.
select is(public.plan_limit_allows('3a000000-0000-0000-0000-000000000000', 'projects', 1), true, 'a limit of 2 allows a second');
select is(public.plan_limit_allows('3a000000-0000-0000-0000-000000000000', 'projects', 2), false, 'a limit of 2 refuses a third');
select is(public.plan_limit_allows('3a000000-0000-0000-0000-000000000000', 'widgets', 0), false, 'a limit the plan does not name allows nothing');

-- Within the limit, as members; the third is refused (RLS: 42501) and leaves the two.
select is(tests.create_project('a3000000-0000-0000-0000-00000000000b', 'One'), 'ok', 'a member creates a project');
select is(tests.create_project('a3000000-0000-0000-0000-00000000000a', 'Two'), 'ok', 'an admin creates a second (limit 2)');
select is(tests.create_project('a3000000-0000-0000-0000-00000000000b', 'Three'), '42501', 'a third is refused at plan_limits.projects = 2');
select is(tests.project_count(), 2, 'the refused insert wrote nothing');

-- Who may not create, whatever the limit.
update public.organizations set price_id = 'price_pj_unlimited' where id = '3a000000-0000-0000-0000-000000000000';
select is(tests.create_project('b3000000-0000-0000-0000-00000000000b', 'Intruder'), '42501', 'a user outside the organization cannot create one');
select is(tests.create_project('a3000000-0000-0000-0000-00000000000b', 'Forged', 'a3000000-0000-0000-0000-00000000000a'), '42501',
  'a member cannot name another member as creator (created_by is always the caller)');
select is((select created_by from public.projects where name = 'One'), 'a3000000-0000-0000-0000-00000000000b'::uuid, 'created_by is the member who created it');
select is(tests.create_project('a3000000-0000-0000-0000-00000000000b', 'Three'), 'ok', 'an unlimited plan allows a third');
update public.organizations set billing_status = 'cancelled' where id = '3a000000-0000-0000-0000-000000000000';
select is(tests.create_project('a3000000-0000-0000-0000-00000000000b', 'Cancelled'), '42501', 'a cancelled organization creates none (no entitlement)');
update public.organizations set billing_status = 'active' where id = '3a000000-0000-0000-0000-000000000000';
update public.organizations set price_id = 'price_pj_none' where id = '3a000000-0000-0000-0000-000000000000';
select is(tests.create_project('a3000000-0000-0000-0000-00000000000b', 'Zero'), '42501', 'a plan with projects = 0 creates none');

-- A downgrade below usage: 3 projects on a plan of 2 keep all three and allow no fourth; usage must drop
-- below the limit (to 1) before one more can be created.
update public.organizations set price_id = 'price_pj_small' where id = '3a000000-0000-0000-0000-000000000000';
select is(tests.project_count(), 3, 'a downgrade to a limit of 2 keeps all 3 projects');
select is(tests.create_project('a3000000-0000-0000-0000-00000000000a', 'Four'), '42501', 'and blocks a new one');

-- Reading, renaming and deleting as each role.
select tests.authenticate_as('b3000000-0000-0000-0000-00000000000b');
select is((select count(*)::int from public.projects), 0, 'a user outside the organization sees none of its projects');
select tests.authenticate_as('a3000000-0000-0000-0000-00000000000b');
select is((select count(*)::int from public.projects), 3, 'a member sees the organization''s projects');
update public.projects set name = 'Renamed' where name = 'Two';
select is((select count(*)::int from public.projects where name = 'Renamed'), 1, 'a member renames a project');
select throws_ok($$update public.projects set organization_id = gen_random_uuid() where name = 'Renamed'$$, '42501', null,
  'a project cannot be moved to another organization (only name is updatable)');
delete from public.projects where name = 'Renamed';
select is((select count(*)::int from public.projects where name = 'Renamed'), 1, 'a member cannot delete a project someone else created');
delete from public.projects where name = 'One';
select is((select count(*)::int from public.projects where name = 'One'), 0, 'the creator deletes their own project');
select tests.authenticate_as('a3000000-0000-0000-0000-00000000000a');
delete from public.projects where name = 'Three';
select tests.reset_role();
select is(tests.project_count(), 1, 'an admin deletes a member''s project; usage is now 1');
select is(tests.create_project('a3000000-0000-0000-0000-00000000000a', 'Back under'), 'ok', 'below the limit again, a new one is allowed');

select * from finish();
rollback;
