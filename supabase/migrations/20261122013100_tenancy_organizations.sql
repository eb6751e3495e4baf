-- Tenants: organizations, their members (admin or member) and a profile per user, with row-level
-- security. Billing fields on organizations are written only by the service role (the sync and the
-- workflows); admins may change the organization's name and billing email.

-- The private schema exists already (event inbox); the service role may read and write its tables.
grant all on all tables in schema billing to service_role;
alter default privileges in schema billing grant all on tables to service_role;
alter default privileges in schema public revoke execute on functions from public, anon;

create table public.organizations (
  id uuid primary key default gen_random_uuid(),
  name text not null check (length(trim(name)) between 1 and 200),
  billing_email text,
  billing_status text check (billing_status in ('trialing', 'active', 'payment_failed', 'past_due', 'cancelled', 'deleted')),
  last_payment_failed_at timestamptz,
  last_payment_at timestamptz,
  cancelled_at timestamptz,
  next_billing_at timestamptz,
  trial_ends_at timestamptz,
  price_id text,
  product_id text,
  plan_name text,
  plan_limits jsonb not null default '{}'::jsonb,
  stripe_customer_id text unique,
  stripe_subscription_id text,
  stripe_synced_at timestamptz,
  deleted_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
alter table public.organizations enable row level security;
comment on table public.organizations is 'A customer of the SaaS: one Stripe customer, its subscription state and plan limits.';
comment on column public.organizations.billing_status is
  'trialing | active | payment_failed (a payment failed; set by the dunning workflow) | past_due | cancelled | deleted (personal data removed).';
comment on column public.organizations.stripe_synced_at is 'When the billing fields were last written from Stripe data fetched at that time (never goes backwards).';
comment on column public.organizations.plan_limits is 'Limits of the current plan, from Stripe price/product metadata `limits.<name>`.';

create table public.organization_members (
  organization_id uuid not null references public.organizations (id) on delete cascade,
  user_id uuid not null references auth.users (id) on delete cascade,
  role text not null default 'member' check (role in ('admin', 'member')),
  created_at timestamptz not null default now(),
  primary key (organization_id, user_id)
);
alter table public.organization_members enable row level security;
create index organization_members_user_idx on public.organization_members (user_id);
comment on table public.organization_members is 'Who belongs to which organization, as admin or member.';

create table public.profiles (
  id uuid primary key references auth.users (id) on delete cascade,
  email text,
  full_name text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
alter table public.profiles enable row level security;
comment on table public.profiles is 'One row per user: the email the product uses (kept in step with the Stripe customer''s email).';

create function public.has_org_role(p_organization_id uuid, p_role text default null) returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select exists (
    select 1 from public.organization_members m
    where m.organization_id = p_organization_id
      and m.user_id = (select auth.uid())
      and (p_role is null or m.role = p_role or (p_role = 'member' and m.role = 'admin'))
  )
$$;
-- security definer: policies on organization_members call it, and reading that table under its own
-- policy would recurse.
comment on function public.has_org_role(uuid, text) is
  'True when the calling user belongs to the organization (with the role, if given; admins count as members). For RLS policies.';
revoke execute on function public.has_org_role(uuid, text) from public, anon;
grant execute on function public.has_org_role(uuid, text) to authenticated, service_role;

create function public.tg_users__create_profile() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  -- security definer: runs as the table owner when Auth (supabase_auth_admin) inserts a user.
  insert into public.profiles (id, email) values (new.id, new.email) on conflict (id) do nothing;
  return new;
end
$$;
comment on function public.tg_users__create_profile() is 'Creates the profile row of each new Auth user.';
revoke execute on function public.tg_users__create_profile() from public, anon, authenticated;
create trigger on_auth_user_created after insert on auth.users
  for each row execute function public.tg_users__create_profile();

create function public.create_organization(p_name text) returns uuid
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_user uuid := (select auth.uid());
  v_org uuid;
begin
  -- security definer: a user may create an organization and become its first admin, nothing more.
  if v_user is null then
    raise exception 'sign in to create an organization' using errcode = '42501';
  end if;
  insert into public.organizations (name, billing_email)
  values (p_name, (select email from public.profiles where id = v_user))
  returning id into v_org;
  insert into public.organization_members (organization_id, user_id, role) values (v_org, v_user, 'admin');
  return v_org;
end
$$;
comment on function public.create_organization(text) is 'Creates an organization with the calling user as its admin.';
revoke execute on function public.create_organization(text) from public, anon;
grant execute on function public.create_organization(text) to authenticated;

-- Client roles write only what a policy below allows, and only these columns.
revoke insert, update, delete, truncate, references, trigger on public.organizations from anon, authenticated;
revoke all on public.organization_members, public.profiles from anon;
revoke all on public.organizations from anon;
revoke truncate, references, trigger on public.organization_members, public.profiles from authenticated;
revoke update on public.profiles from authenticated;
grant update (name, billing_email, updated_at) on public.organizations to authenticated;
grant update (full_name, updated_at) on public.profiles to authenticated;
revoke insert, delete on public.profiles from authenticated;

create policy "Members can read their organizations" on public.organizations
  for select to authenticated using ((select public.has_org_role(id)));
create policy "Admins can update their organization" on public.organizations
  for update to authenticated using ((select public.has_org_role(id, 'admin'))) with check ((select public.has_org_role(id, 'admin')));

create policy "Members can read the members of their organizations" on public.organization_members
  for select to authenticated using ((select public.has_org_role(organization_id)));
create policy "Admins can add members" on public.organization_members
  for insert to authenticated with check ((select public.has_org_role(organization_id, 'admin')));
create policy "Admins can change members' roles" on public.organization_members
  for update to authenticated using ((select public.has_org_role(organization_id, 'admin')))
  with check ((select public.has_org_role(organization_id, 'admin')));
create policy "Admins can remove members" on public.organization_members
  for delete to authenticated using ((select public.has_org_role(organization_id, 'admin')));

create policy "Users can read their own profile and their co-members'" on public.profiles
  for select to authenticated using (
    id = (select auth.uid())
    or exists (
      select 1 from public.organization_members mine
      join public.organization_members theirs on theirs.organization_id = mine.organization_id
      where mine.user_id = (select auth.uid()) and theirs.user_id = profiles.id
    )
  );
create policy "Users can update their own profile" on public.profiles
  for update to authenticated using (id = (select auth.uid())) with check (id = (select auth.uid()));
