-- Plan usage ("3 of 5 seats", "7 of 10 projects") as members read it, nothing for anyone else, and a
-- downgrade below usage: every member, invitation and project is kept, new ones are refused, and the
-- usage says by how much the organization is over.
begin;
\ir _helpers.psql
select plan(18);

select tests.create_user('a5000000-0000-0000-0000-00000000000a', 'usage-admin@example.test');
select tests.create_user('a5000000-0000-0000-0000-00000000000b', 'usage-member@example.test');
select tests.create_user('b5000000-0000-0000-0000-00000000000a', 'usage-outsider@example.test');
insert into public.stripe_products (id, name, metadata, raw, stripe_fetched_at) values
  ('prod_us', 'Usage plan', '{"limits.seats": "5", "limits.projects": "10"}', '{}', now());
insert into public.stripe_prices (id, product_id, metadata, raw, stripe_fetched_at) values
  ('price_us_team', 'prod_us', '{}', '{}', now()),
  ('price_us_small', 'prod_us', '{"limits.seats": "2", "limits.projects": "3"}', '{}', now()),
  ('price_us_unlimited', 'prod_us', '{"limits.seats": "unlimited", "limits.projects": "unlimited"}', '{}', now());
insert into public.organizations (id, name, billing_status, plan_name) values
  ('5a000000-0000-0000-0000-000000000000', 'Usage A', 'active', 'Team'),
  ('5b000000-0000-0000-0000-000000000000', 'Usage B', 'active', null);
update public.organizations set price_id = 'price_us_team' where id = '5a000000-0000-0000-0000-000000000000';
insert into public.organization_members (organization_id, user_id, role) values
  ('5a000000-0000-0000-0000-000000000000', 'a5000000-0000-0000-0000-00000000000a', 'admin'),
  ('5a000000-0000-0000-0000-000000000000', 'a5000000-0000-0000-0000-00000000000b', 'member'),
  ('5b000000-0000-0000-0000-000000000000', 'b5000000-0000-0000-0000-00000000000a', 'admin');
insert into public.organization_invitations (organization_id, email, token_hash, expires_at) values
  ('5a000000-0000-0000-0000-000000000000', 'pending@example.test', repeat('a', 64), now() + interval '7 days');
insert into public.projects (organization_id, name) select '5a000000-0000-0000-0000-000000000000', 'P' || n from generate_series(1, 7) n;

-- The usage as one line per limit, as a user reads it: "name in_use/limit over_by" (limit "unlimited" when null).
create function tests.usage_as(p_user uuid, p_org uuid) returns text language plpgsql as $$
declare v text;
begin
  perform tests.authenticate_as(p_user);
  select string_agg(format('%s %s/%s %s', limit_name, in_use, coalesce(limit_value::text, 'unlimited'), over_by), '; ') into v
  from public.plan_usage(p_org);
  perform tests.reset_role();
  return coalesce(v, 'none');
end
$$;
create function tests.attempt(p_user uuid, p_statement text) returns text language sql as $$
  select case when ok then 'ok' else state || coalesce(' ' || nullif(hint, ''), '') end
  from tests.attempt_as(p_user, p_statement);
$$;
create function tests.refusal(p_user uuid, p_statement text) returns text language sql as $$
  select case when ok then 'no refusal' else message end from tests.attempt_as(p_user, p_statement);
$$;
create function tests.rows_of_a() returns text language sql as $$
  select format('%s members, %s pending, %s projects',
    (select count(*) from public.organization_members where organization_id = '5a000000-0000-0000-0000-000000000000'),
    (select count(*) from public.organization_invitations where organization_id = '5a000000-0000-0000-0000-000000000000' and accepted_at is null and revoked_at is null),
    (select count(*) from public.projects where organization_id = '5a000000-0000-0000-0000-000000000000'))
$$;

-- Who reads what.
select is(tests.usage_as('a5000000-0000-0000-0000-00000000000b', '5a000000-0000-0000-0000-000000000000'),
  'seats 3/5 0; projects 7/10 0', 'a member reads "3 of 5 seats" (2 members + 1 pending invitation) and "7 of 10 projects"');
select is(tests.usage_as('a5000000-0000-0000-0000-00000000000a', '5a000000-0000-0000-0000-000000000000'),
  'seats 3/5 0; projects 7/10 0', 'an admin reads the same');
select is(tests.usage_as('b5000000-0000-0000-0000-00000000000a', '5a000000-0000-0000-0000-000000000000'),
  'none', 'a user of another organization reads nothing of it');
select is(tests.usage_as('b5000000-0000-0000-0000-00000000000a', '5b000000-0000-0000-0000-000000000000'),
  'seats 1/unlimited 0; projects 0/0 0', 'an organization without a plan: seats are not limited, projects not included (as enforcement reads it)');
select is(tests.value_as('anon', '{"role": "anon"}', $$(select count(*) from public.plan_usage('5a000000-0000-0000-0000-000000000000'))$$),
  'denied', 'anon cannot call it');
select is(tests.value_as('service_role', '{"role": "service_role"}', $$(select string_agg(in_use::text, ',') from public.plan_usage('5a000000-0000-0000-0000-000000000000'))$$),
  '3,7', 'the service role reads any organization''s usage');

update public.organizations set price_id = 'price_us_unlimited' where id = '5a000000-0000-0000-0000-000000000000';
select is(tests.usage_as('a5000000-0000-0000-0000-00000000000b', '5a000000-0000-0000-0000-000000000000'),
  'seats 3/unlimited 0; projects 7/unlimited 0', 'unlimited limits read as unlimited (null)');

-- A downgrade below usage: 3 seats on a plan of 2, 7 projects on a plan of 3.
update public.organizations set price_id = 'price_us_small' where id = '5a000000-0000-0000-0000-000000000000';
select is(tests.rows_of_a(), '2 members, 1 pending, 7 projects', 'a downgrade below usage keeps every member, invitation and project');
select is(tests.usage_as('a5000000-0000-0000-0000-00000000000a', '5a000000-0000-0000-0000-000000000000'),
  'seats 3/2 1; projects 7/3 4', 'the usage says the organization is 1 seat and 4 projects over');
select is(tests.attempt('a5000000-0000-0000-0000-00000000000a', $$select public.invite_member('5a000000-0000-0000-0000-000000000000', 'late@example.test', 'member')$$),
  '55000 seat_limit_reached', 'a new invitation is refused while over the seat limit');
select is(tests.refusal('a5000000-0000-0000-0000-00000000000a', $$select public.invite_member('5a000000-0000-0000-0000-000000000000', 'late@example.test', 'member')$$),
  'Your plan (Team) includes 2 seats and 3 are in use (members and pending invitations): 1 over since the plan changed. Everyone keeps their seat, but to invite someone an admin must first revoke pending invitations or remove members until fewer than 2 seats are in use, or upgrade the plan on the Billing page (Manage billing).',
  'the refusal says how far over the plan the organization is and the ways out');
select is(tests.attempt('a5000000-0000-0000-0000-00000000000b', $$insert into public.projects (organization_id, name) values ('5a000000-0000-0000-0000-000000000000', 'New')$$),
  '42501', 'a new project is refused while over the project limit');
select is(tests.rows_of_a(), '2 members, 1 pending, 7 projects', 'the refusals wrote nothing');
select is(tests.attempt('a5000000-0000-0000-0000-00000000000a', $$update public.projects set name = 'Still mine' where name = 'P1'$$),
  'ok', 'existing projects stay usable (renamed) while over');

-- The ways out: freeing seats and deleting projects until under the limit makes room again.
select is(tests.attempt('a5000000-0000-0000-0000-00000000000a',
  $$select public.revoke_invitation((select id from public.organization_invitations where email = 'pending@example.test'))$$), 'ok', 'an admin revokes the pending invitation');
select is(tests.attempt('a5000000-0000-0000-0000-00000000000a', $$select public.remove_member('5a000000-0000-0000-0000-000000000000', 'a5000000-0000-0000-0000-00000000000b')$$),
  'ok', 'and removes a member');
select is(tests.attempt('a5000000-0000-0000-0000-00000000000a', $$select public.invite_member('5a000000-0000-0000-0000-000000000000', 'late@example.test', 'member')$$),
  'ok', 'back under the seat limit, an invitation goes through');
delete from public.projects where organization_id = '5a000000-0000-0000-0000-000000000000' and name <> 'Still mine' and name <> 'P2';
select is(tests.usage_as('a5000000-0000-0000-0000-00000000000a', '5a000000-0000-0000-0000-000000000000'),
  'seats 2/2 0; projects 2/3 0', 'usage follows: at the seat limit, under the project limit');

select * from finish();
rollback;
