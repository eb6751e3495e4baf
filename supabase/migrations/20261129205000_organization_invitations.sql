-- Invitations and membership changes: an admin invites an email address with a role; the invitee follows
-- a single-use, expiring link (only its sha256 is stored) and joins. Members leave; admins remove members
-- and change roles; an organization that has members always keeps an admin.

create table public.organization_invitations (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  email text not null check (email = lower(email) and email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$' and length(email) <= 320),
  role text not null default 'member' check (role in ('admin', 'member')),
  token_hash text not null unique check (token_hash ~ '^[0-9a-f]{64}$'),
  invited_by uuid references auth.users (id) on delete set null,
  expires_at timestamptz not null,
  sent_count integer not null default 1 check (sent_count >= 1),
  accepted_at timestamptz,
  accepted_by uuid references auth.users (id) on delete set null,
  revoked_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (accepted_at is null or revoked_at is null)
);
alter table public.organization_invitations enable row level security;
create unique index organization_invitations_one_pending_idx on public.organization_invitations (organization_id, email)
  where accepted_at is null and revoked_at is null;
comment on table public.organization_invitations is
  'Invitations to join an organization: pending while neither accepted nor revoked (and usable until expires_at).';
comment on column public.organization_invitations.token_hash is
  'Hex sha256 of the link''s token; the token itself is only in the email. A resend replaces it, so the old link dies.';
comment on column public.organization_invitations.sent_count is 'How many times the invitation was emailed (1 + resends); keys the outbox row.';
comment on index public.organization_invitations_one_pending_idx is 'At most one pending invitation per address and organization.';

-- Clients read invitations (never the token hash); every write goes through the functions below.
revoke all on public.organization_invitations from anon, authenticated;
grant select (id, organization_id, email, role, invited_by, expires_at, sent_count, accepted_at, accepted_by, revoked_at, created_at, updated_at)
  on public.organization_invitations to authenticated;
grant all on public.organization_invitations to service_role;

create policy "Admins can read their organization's invitations" on public.organization_invitations
  for select to authenticated using ((select public.has_org_role(organization_id, 'admin')));
comment on policy "Admins can read their organization's invitations" on public.organization_invitations is
  'Only admins of the organization see who was invited; members and other organizations see nothing. Writes have no policy: they go through invite_member, resend_invitation, revoke_invitation and accept_invitation.';

-- Raises the one refusal shape the billing API maps to HTTP: the sqlstate picks the status, the hint is the API code.
create function public._refuse(p_sqlstate text, p_code text, p_message text) returns void
language plpgsql
set search_path = ''
as $$
begin
  raise exception using errcode = p_sqlstate, message = p_message, hint = p_code;
end
$$;
comment on function public._refuse(text, text, text) is
  'Raises a refusal: sqlstate (42501 forbidden, 22023 invalid, 23505 conflict, P0002 not found, 55000 no longer usable) and the API code as hint.';
revoke execute on function public._refuse(text, text, text) from public, anon;
grant execute on function public._refuse(text, text, text) to authenticated, service_role;

create function public._new_invitation_token() returns table (token text, token_hash text)
language sql
volatile
set search_path = ''
as $$
  select t, encode(extensions.digest(t, 'sha256'), 'hex') from (select encode(extensions.gen_random_bytes(32), 'hex') as t) s
$$;
comment on function public._new_invitation_token() is 'A fresh 256-bit link token and its sha256 (the only part stored).';
revoke execute on function public._new_invitation_token() from public, anon, authenticated;

create function public.invite_member(p_organization_id uuid, p_email text, p_role text default 'member')
returns table (invitation_id uuid, token text, expires_at timestamptz)
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_email text := lower(trim(coalesce(p_email, '')));
  v_token record;
begin
  -- security definer: writes the invitation (no client write privilege) after checking the caller is an admin.
  if not public.has_org_role(p_organization_id, 'admin') then
    perform public._refuse('42501', 'admins_only', 'Only an admin of this organization can invite people.');
  end if;
  if v_email !~ '^[^@\s]+@[^@\s]+\.[^@\s]+$' or length(v_email) > 320 then
    perform public._refuse('22023', 'invalid_email', format('%L is not an email address.', p_email));
  end if;
  if p_role is null or p_role not in ('admin', 'member') then
    perform public._refuse('22023', 'unknown_role', format('Unknown role %L: a role is admin or member.', p_role));
  end if;
  if exists (select 1 from public.organization_members m join auth.users u on u.id = m.user_id
             where m.organization_id = p_organization_id and lower(u.email) = v_email) then
    perform public._refuse('23505', 'already_member', format('%s is already a member of this organization.', v_email));
  end if;
  -- A pending invitation whose link expired gives way to the new one; a live one is resent instead.
  update public.organization_invitations i set revoked_at = now(), updated_at = now()
  where i.organization_id = p_organization_id and i.email = v_email and i.accepted_at is null and i.revoked_at is null
    and i.expires_at <= billing.product_now();
  if exists (select 1 from public.organization_invitations i where i.organization_id = p_organization_id and i.email = v_email
             and i.accepted_at is null and i.revoked_at is null) then
    perform public._refuse('23505', 'already_invited', format('%s has a pending invitation already: resend it instead.', v_email));
  end if;
  select * into v_token from public._new_invitation_token();
  return query
    insert into public.organization_invitations as i (organization_id, email, role, token_hash, invited_by, expires_at)
    values (p_organization_id, v_email, p_role, v_token.token_hash, (select auth.uid()), billing.product_now() + interval '7 days')
    returning i.id, v_token.token, i.expires_at;
end
$$;
comment on function public.invite_member(uuid, text, text) is
  'An admin invites an email address with a role; returns the link token once (only its hash is kept), valid 7 days.';
revoke execute on function public.invite_member(uuid, text, text) from public, anon;
grant execute on function public.invite_member(uuid, text, text) to authenticated;

create function public.resend_invitation(p_invitation_id uuid)
returns table (invitation_id uuid, token text, expires_at timestamptz, sent_count integer)
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_inv public.organization_invitations;
  v_token record;
begin
  -- security definer: replaces the token hash, which clients may not write.
  select * into v_inv from public.organization_invitations i where i.id = p_invitation_id for update;
  if not found or not public.has_org_role(v_inv.organization_id, 'admin') then
    perform public._refuse('P0002', 'invitation_not_found', 'No such invitation in an organization you administer.');
  end if;
  if v_inv.accepted_at is not null or v_inv.revoked_at is not null then
    perform public._refuse('55000', 'invitation_not_pending', 'This invitation was already accepted or revoked.');
  end if;
  select * into v_token from public._new_invitation_token();
  return query
    update public.organization_invitations i
    set token_hash = v_token.token_hash, expires_at = billing.product_now() + interval '7 days', sent_count = i.sent_count + 1, updated_at = now()
    where i.id = p_invitation_id
    returning i.id, v_token.token, i.expires_at, i.sent_count;
end
$$;
comment on function public.resend_invitation(uuid) is 'An admin sends a pending invitation again: a new token and expiry; the old link stops working.';
revoke execute on function public.resend_invitation(uuid) from public, anon;
grant execute on function public.resend_invitation(uuid) to authenticated;

create function public.revoke_invitation(p_invitation_id uuid) returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_inv public.organization_invitations;
begin
  -- security definer: clients may not write invitations; the admin check is here.
  select * into v_inv from public.organization_invitations i where i.id = p_invitation_id for update;
  if not found or not public.has_org_role(v_inv.organization_id, 'admin') then
    perform public._refuse('P0002', 'invitation_not_found', 'No such invitation in an organization you administer.');
  end if;
  if v_inv.accepted_at is not null or v_inv.revoked_at is not null then
    perform public._refuse('55000', 'invitation_not_pending', 'This invitation was already accepted or revoked.');
  end if;
  update public.organization_invitations set revoked_at = now(), updated_at = now() where id = p_invitation_id;
end
$$;
comment on function public.revoke_invitation(uuid) is 'An admin revokes a pending invitation; its link stops working.';
revoke execute on function public.revoke_invitation(uuid) from public, anon;
grant execute on function public.revoke_invitation(uuid) to authenticated;

create function public.accept_invitation(p_token text) returns uuid
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_user uuid := (select auth.uid());
  v_inv public.organization_invitations;
begin
  -- security definer: the invitee is not yet a member, so neither the invitation nor the membership is theirs to write.
  if v_user is null then
    perform public._refuse('42501', 'sign_in_required', 'Sign in to accept the invitation.');
  end if;
  select * into v_inv from public.organization_invitations i
  where i.token_hash = encode(extensions.digest(coalesce(p_token, ''), 'sha256'), 'hex') for update;
  if not found then
    perform public._refuse('P0002', 'invitation_not_found', 'This invitation link is not valid (it may have been replaced by a newer email).');
  elsif v_inv.accepted_at is not null then
    perform public._refuse('55000', 'invitation_used', 'This invitation was already accepted.');
  elsif v_inv.revoked_at is not null then
    perform public._refuse('55000', 'invitation_revoked', 'This invitation was revoked by an admin of the organization.');
  elsif v_inv.expires_at <= billing.product_now() then
    perform public._refuse('55000', 'invitation_expired', 'This invitation has expired: ask an admin to send it again.');
  elsif not exists (select 1 from auth.users u where u.id = v_user and lower(u.email) = v_inv.email) then
    perform public._refuse('42501', 'invitation_for_another_email', 'This invitation was sent to another email address: sign in with that address.');
  elsif exists (select 1 from public.organization_members m where m.organization_id = v_inv.organization_id and m.user_id = v_user) then
    perform public._refuse('23505', 'already_member', 'You are already a member of this organization.');
  end if;
  insert into public.organization_members (organization_id, user_id, role) values (v_inv.organization_id, v_user, v_inv.role);
  update public.organization_invitations set accepted_at = now(), accepted_by = v_user, updated_at = now() where id = v_inv.id;
  return v_inv.organization_id;
end
$$;
comment on function public.accept_invitation(text) is
  'The signed-in user whose email the invitation names joins with its role; a used, revoked, expired or unknown token changes nothing.';
revoke execute on function public.accept_invitation(text) from public, anon;
grant execute on function public.accept_invitation(text) to authenticated;

create function public.leave_organization(p_organization_id uuid) returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  -- security definer: members may not delete membership rows under RLS (only admins may); one may delete one's own.
  delete from public.organization_members where organization_id = p_organization_id and user_id = (select auth.uid());
  if not found then
    perform public._refuse('P0002', 'not_found', 'Organization not found, or you are not a member of it.');
  end if;
end
$$;
comment on function public.leave_organization(uuid) is 'The calling user leaves the organization (refused to its last admin).';
revoke execute on function public.leave_organization(uuid) from public, anon;
grant execute on function public.leave_organization(uuid) to authenticated;

create function public.remove_member(p_organization_id uuid, p_user_id uuid) returns void
language plpgsql
set search_path = ''
as $$
begin
  if not public.has_org_role(p_organization_id, 'admin') then
    perform public._refuse('42501', 'admins_only', 'Only an admin of this organization can remove members.');
  end if;
  delete from public.organization_members where organization_id = p_organization_id and user_id = p_user_id;
  if not found then
    perform public._refuse('P0002', 'member_not_found', 'That user is not a member of this organization.');
  end if;
end
$$;
comment on function public.remove_member(uuid, uuid) is 'An admin removes a member (under the admins'' delete policy); the last admin stays.';
revoke execute on function public.remove_member(uuid, uuid) from public, anon;
grant execute on function public.remove_member(uuid, uuid) to authenticated;

create function public.change_member_role(p_organization_id uuid, p_user_id uuid, p_role text) returns void
language plpgsql
set search_path = ''
as $$
begin
  if not public.has_org_role(p_organization_id, 'admin') then
    perform public._refuse('42501', 'admins_only', 'Only an admin of this organization can change roles.');
  end if;
  if p_role is null or p_role not in ('admin', 'member') then
    perform public._refuse('22023', 'unknown_role', format('Unknown role %L: a role is admin or member.', p_role));
  end if;
  update public.organization_members set role = p_role where organization_id = p_organization_id and user_id = p_user_id;
  if not found then
    perform public._refuse('P0002', 'member_not_found', 'That user is not a member of this organization.');
  end if;
end
$$;
comment on function public.change_member_role(uuid, uuid, text) is 'An admin changes a member''s role (under the admins'' update policy); the last admin stays one.';
revoke execute on function public.change_member_role(uuid, uuid, text) from public, anon;
grant execute on function public.change_member_role(uuid, uuid, text) to authenticated;

-- The last admin: checked once per statement, so deleting every member at once (an organization deleted,
-- its data erased) passes, while demoting or removing the only admin of a team that remains does not.
create function public.tg_organization_members__keep_an_admin() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  -- security definer: the check must see every member; under the caller's policies an admin who just
  -- removed themselves sees none.
  if exists (
    select 1 from (select distinct organization_id from old_rows) o
    where exists (select 1 from public.organization_members m where m.organization_id = o.organization_id)
      and not exists (select 1 from public.organization_members m where m.organization_id = o.organization_id and m.role = 'admin')
  ) then
    perform public._refuse('55000', 'last_admin', 'The organization''s last admin cannot leave or be demoted: make another member an admin first.');
  end if;
  return null;
end
$$;
comment on function public.tg_organization_members__keep_an_admin() is 'Refuses a change that leaves an organization with members but no admin.';
revoke execute on function public.tg_organization_members__keep_an_admin() from public, anon, authenticated;
create trigger keep_an_admin_after_update after update on public.organization_members
  referencing old table as old_rows for each statement execute function public.tg_organization_members__keep_an_admin();
create trigger keep_an_admin_after_delete after delete on public.organization_members
  referencing old table as old_rows for each statement execute function public.tg_organization_members__keep_an_admin();
