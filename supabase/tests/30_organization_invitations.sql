-- Invitations and membership changes, run as real users with real JWT claims: who may invite, what is
-- refused (and changes nothing), the single-use expiring token stored hashed, resend and revoke, leaving,
-- removing, role changes, and the last admin who cannot leave or be demoted.
begin;
\ir _helpers.psql
select plan(37);

select tests.create_user('a2000000-0000-0000-0000-00000000000a', 'inv-admin@example.test');
select tests.create_user('a2000000-0000-0000-0000-00000000000b', 'inv-member@example.test');
select tests.create_user('c2000000-0000-0000-0000-00000000000c', 'Inv-Newcomer@example.test');
select tests.create_user('c2000000-0000-0000-0000-00000000000d', 'inv-other@example.test');
insert into public.organizations (id, name) values ('2a000000-0000-0000-0000-000000000000', 'Invites A');
insert into public.organization_members (organization_id, user_id, role) values
  ('2a000000-0000-0000-0000-000000000000', 'a2000000-0000-0000-0000-00000000000a', 'admin'),
  ('2a000000-0000-0000-0000-000000000000', 'a2000000-0000-0000-0000-00000000000b', 'member');

-- Refusals: each with its API code (the hint) and no invitation written.
create function tests.refusal(p_user uuid, p_sql text) returns text language sql as $$
  select case when ok then 'ok' else state || ' ' || coalesce(nullif(hint, ''), message) end
  from tests.attempt_as(p_user, p_sql);
$$;
grant execute on function tests.refusal(uuid, text) to authenticated;

select is(tests.refusal('a2000000-0000-0000-0000-00000000000b', $$select public.invite_member('2a000000-0000-0000-0000-000000000000', 'x@example.test')$$),
  '42501 admins_only', 'a member cannot invite');
select is(tests.refusal('c2000000-0000-0000-0000-00000000000d', $$select public.invite_member('2a000000-0000-0000-0000-000000000000', 'x@example.test')$$),
  '42501 admins_only', 'a user of no organization cannot invite into one');
select is(tests.refusal('a2000000-0000-0000-0000-00000000000a', $$select public.invite_member('2a000000-0000-0000-0000-000000000000', 'not an email')$$),
  '22023 invalid_email', 'a malformed email is refused');
select is(tests.refusal('a2000000-0000-0000-0000-00000000000a', $$select public.invite_member('2a000000-0000-0000-0000-000000000000', 'x@example.test', 'owner')$$),
  '22023 unknown_role', 'an unknown role is refused');
select is(tests.refusal('a2000000-0000-0000-0000-00000000000a', $$select public.invite_member('2a000000-0000-0000-0000-000000000000', ' INV-Member@example.test ')$$),
  '23505 already_member', 'an existing member is refused, whatever the case and spaces of the address');
select is((select count(*)::int from public.organization_invitations where organization_id = '2a000000-0000-0000-0000-000000000000'), 0,
  'no refused invitation wrote a row');

-- An admin invites: the token comes back once; only its sha256 is stored; the address is lower-cased.
select tests.authenticate_as('a2000000-0000-0000-0000-00000000000a');
create temp table t1 as select * from public.invite_member('2a000000-0000-0000-0000-000000000000', 'Inv-Newcomer@Example.test', 'member');
select tests.reset_role();
select is((select email from public.organization_invitations where id = (select invitation_id from t1)), 'inv-newcomer@example.test', 'the address is stored lower-cased');
select is((select token_hash from public.organization_invitations where id = (select invitation_id from t1)),
  (select encode(extensions.digest(token, 'sha256'), 'hex') from t1), 'the stored hash is the sha256 of the returned token');
select ok((select length(token) = 64 from t1), 'the token is 256 random bits in hex');
select ok(not exists (select 1 from public.organization_invitations i, t1 where i.token_hash = t1.token), 'the token itself is stored nowhere in the table');
select is(tests.refusal('a2000000-0000-0000-0000-00000000000a', $$select public.invite_member('2a000000-0000-0000-0000-000000000000', 'inv-newcomer@example.test')$$),
  '23505 already_invited', 'a second invitation while one is pending is refused (resend instead)');
select is(tests.value_as('authenticated', '{"sub": "a2000000-0000-0000-0000-00000000000b", "role": "authenticated"}',
  $$(select count(*) from public.organization_invitations)$$), '0', 'a member does not see the invitations');
select is(tests.value_as('authenticated', '{"sub": "a2000000-0000-0000-0000-00000000000a", "role": "authenticated"}',
  $$(select count(*) from public.organization_invitations)$$), '1', 'the admin sees the pending invitation');
select is(tests.value_as('authenticated', '{"sub": "a2000000-0000-0000-0000-00000000000a", "role": "authenticated"}',
  $$(select token_hash from public.organization_invitations limit 1)$$), 'denied', 'not even the admin reads the token hash');

-- Accepting: refused to another address, a guessed token, and anon; then the invitee joins, once.
select is(tests.refusal('c2000000-0000-0000-0000-00000000000d', format('select public.accept_invitation(%L)', (select token from t1))),
  '42501 invitation_for_another_email', 'a link used by another email is refused');
select is(tests.refusal('c2000000-0000-0000-0000-00000000000c', format('select public.accept_invitation(%L)', repeat('0', 64))),
  'P0002 invitation_not_found', 'a guessed token is refused');
select is(tests.value_as('anon', '{"role": "anon"}', format('public.accept_invitation(%L)', (select token from t1))), 'denied', 'anon cannot accept');
select ok((select accepted_at is null from public.organization_invitations where id = (select invitation_id from t1)), 'the refusals left the invitation pending');
select is(tests.refusal('c2000000-0000-0000-0000-00000000000c', format('select public.accept_invitation(%L)', (select token from t1))),
  'ok', 'the invitee (whose address differs only in case) accepts');
select is((select role from public.organization_members where organization_id = '2a000000-0000-0000-0000-000000000000' and user_id = 'c2000000-0000-0000-0000-00000000000c'),
  'member', 'and is a member with the invited role');
select is(tests.refusal('c2000000-0000-0000-0000-00000000000c', format('select public.accept_invitation(%L)', (select token from t1))),
  '55000 invitation_used', 'accepting twice is refused');
select is((select count(*)::int from public.organization_members where organization_id = '2a000000-0000-0000-0000-000000000000'), 3, 'and adds no one');

-- Resend: a new token; the old link dies. Revoke: the link dies. Expired: refused.
select tests.authenticate_as('a2000000-0000-0000-0000-00000000000a');
create temp table t2 as select * from public.invite_member('2a000000-0000-0000-0000-000000000000', 'inv-other@example.test', 'admin');
create temp table t3 as select * from public.resend_invitation((select invitation_id from t2));
select tests.reset_role();
select is((select sent_count from t3), 2, 'a resend counts the second email');
select is(tests.refusal('c2000000-0000-0000-0000-00000000000d', format('select public.accept_invitation(%L)', (select token from t2))),
  'P0002 invitation_not_found', 'the link of the first email stops working after a resend');
update public.organization_invitations set expires_at = now() - interval '1 second' where id = (select invitation_id from t2);
select is(tests.refusal('c2000000-0000-0000-0000-00000000000d', format('select public.accept_invitation(%L)', (select token from t3))),
  '55000 invitation_expired', 'an expired link is refused');
update public.organization_invitations set expires_at = now() + interval '1 day' where id = (select invitation_id from t2);
select is(tests.refusal('a2000000-0000-0000-0000-00000000000b', format('select public.revoke_invitation(%L)', (select invitation_id from t2))),
  'P0002 invitation_not_found', 'a member cannot revoke');
select is(tests.refusal('a2000000-0000-0000-0000-00000000000a', format('select public.revoke_invitation(%L)', (select invitation_id from t2))),
  'ok', 'the admin revokes');
select is(tests.refusal('c2000000-0000-0000-0000-00000000000d', format('select public.accept_invitation(%L)', (select token from t3))),
  '55000 invitation_revoked', 'a revoked link is refused');
select ok(not exists (select 1 from public.organization_members where user_id = 'c2000000-0000-0000-0000-00000000000d'), 'and nobody joined');

-- Members and roles; the last admin.
select is(tests.refusal('a2000000-0000-0000-0000-00000000000b', $$select public.change_member_role('2a000000-0000-0000-0000-000000000000', 'a2000000-0000-0000-0000-00000000000b', 'admin')$$),
  '42501 admins_only', 'a member cannot promote themselves');
select is(tests.refusal('a2000000-0000-0000-0000-00000000000a', $$select public.change_member_role('2a000000-0000-0000-0000-000000000000', 'a2000000-0000-0000-0000-00000000000a', 'member')$$),
  '55000 last_admin', 'the last admin cannot be demoted');
select is(tests.refusal('a2000000-0000-0000-0000-00000000000a', $$select public.leave_organization('2a000000-0000-0000-0000-000000000000')$$),
  '55000 last_admin', 'the last admin cannot leave');
select is(tests.refusal('a2000000-0000-0000-0000-00000000000a', $$delete from public.organization_members where user_id = 'a2000000-0000-0000-0000-00000000000a'$$),
  '55000 last_admin', 'nor be removed by a direct delete under the admins'' policy');
select is(tests.refusal('a2000000-0000-0000-0000-00000000000a', $$select public.remove_member('2a000000-0000-0000-0000-000000000000', 'c2000000-0000-0000-0000-00000000000c')$$),
  'ok', 'an admin removes a member');
select is(tests.refusal('a2000000-0000-0000-0000-00000000000b', $$select public.leave_organization('2a000000-0000-0000-0000-000000000000')$$),
  'ok', 'a member leaves');
select is((select array_agg(user_id::text || ' ' || role) from public.organization_members where organization_id = '2a000000-0000-0000-0000-000000000000'),
  array['a2000000-0000-0000-0000-00000000000a admin'], 'only the admin is left');
delete from public.organizations where id = '2a000000-0000-0000-0000-000000000000';
select ok(not exists (select 1 from public.organization_members where organization_id = '2a000000-0000-0000-0000-000000000000'),
  'deleting the organization removes its last admin with it (the rule is per statement)');

select * from finish();
rollback;
