-- Limits the product enforces, as the example a team copies for its own tables: `public.projects`, whose
-- insert policy asks for the plan's entitlement and a count below `plan_limits.projects` (the one reading
-- of limits, public.plan_limits_for, copied to organizations.plan_limits). A downgrade below current usage
-- keeps every row and blocks new ones until usage is under the new limit.

create function public.plan_limit_allows(p_organization_id uuid, p_limit text, p_in_use bigint) returns boolean
language sql
stable
set search_path = ''
as $$
  -- null (unlimited) allows any count; a number allows fewer than itself; true allows, false and a
  -- missing limit do not. Security invoker: the caller reads its own organization's row under RLS.
  select coalesce((
    select case jsonb_typeof(o.plan_limits -> p_limit)
      when 'null' then true
      when 'number' then coalesce(p_in_use, 0) < ((o.plan_limits ->> p_limit)::numeric)
      when 'boolean' then (o.plan_limits ->> p_limit)::boolean
      else false
    end
    from public.organizations o where o.id = p_organization_id), false)
$$;
comment on function public.plan_limit_allows(uuid, text, bigint) is
  'True when the organization''s plan allows one more of `p_limit` with p_in_use already used (null limit = unlimited). For RLS policies.';
revoke execute on function public.plan_limit_allows(uuid, text, bigint) from public, anon;
grant execute on function public.plan_limit_allows(uuid, text, bigint) to authenticated, service_role;

create table public.projects (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  name text not null check (length(trim(name)) between 1 and 200),
  created_by uuid default auth.uid() references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
alter table public.projects enable row level security;
create index projects_organization_idx on public.projects (organization_id);
comment on table public.projects is
  'Example product table: an organization''s projects, counted against plan_limits.projects. Copy its policies for your own tables.';
comment on column public.projects.created_by is 'The member who created it (null once that user is deleted); may delete it as admins can.';

-- Clients write only the name (and the organization on insert); created_by is the caller, checked below.
revoke all on public.projects from anon, authenticated;
grant select, delete on public.projects to authenticated;
grant insert (organization_id, name) on public.projects to authenticated;
grant update (name) on public.projects to authenticated;
grant all on public.projects to service_role;

create function public.projects_in_use(p_organization_id uuid) returns bigint
language sql
stable
security definer
set search_path = ''
as $$
  -- security definer: the insert policy counts the table it guards, which under the caller's RLS would
  -- recurse; only members (or the service role) get the count.
  select case when coalesce((select auth.role()), '') = 'service_role' or public.has_org_role(p_organization_id)
    then (select count(*) from public.projects p where p.organization_id = p_organization_id) end
$$;
comment on function public.projects_in_use(uuid) is
  'How many projects the organization has (for its members; null for anyone else): the usage counted against plan_limits.projects.';
revoke execute on function public.projects_in_use(uuid) from public, anon;
grant execute on function public.projects_in_use(uuid) to authenticated, service_role;

create policy "Members can read their organization's projects" on public.projects
  for select to authenticated using ((select public.has_org_role(organization_id)));
create policy "Entitled members can create projects within the plan's limit" on public.projects
  for insert to authenticated with check (
    (select public.has_org_role(organization_id))
    and created_by = (select auth.uid())
    and (select public.has_active_entitlement(organization_id, 'projects'))
    and (select public.plan_limit_allows(organization_id, 'projects', public.projects_in_use(organization_id)))
  );
create policy "Members can rename their organization's projects" on public.projects
  for update to authenticated using ((select public.has_org_role(organization_id)))
  with check ((select public.has_org_role(organization_id)));
create policy "Admins and the creator can delete a project" on public.projects
  for delete to authenticated using (
    (select public.has_org_role(organization_id, 'admin')) or created_by = (select auth.uid())
  );
comment on policy "Members can read their organization's projects" on public.projects is
  'Guards projects from everyone outside their organization.';
comment on policy "Entitled members can create projects within the plan's limit" on public.projects is
  'Guards project creation: members only, as themselves, while billing is in good standing and the count is below plan_limits.projects (a downgrade keeps rows, blocks new ones).';
comment on policy "Members can rename their organization's projects" on public.projects is
  'Guards renaming: members of the project''s organization only (the only updatable column is name).';
comment on policy "Admins and the creator can delete a project" on public.projects is
  'Guards deletion: the organization''s admins, or the member who created the project.';
