-- One reading of a counted plan limit: public._plan_limit_max turns organizations.plan_limits -> <name>
-- into the most that may be in use (null: unlimited; 0: none), and both the enforcement
-- (plan_limit_allows, behind the projects policy and the seat trigger) and the usage the pages show
-- (plan_usage) use it, so the page can never show room the product would refuse.

create function public._plan_limit_max(p_limits jsonb, p_limit text) returns numeric
language sql
immutable
set search_path = ''
as $$
  -- JSON null ("unlimited") and true are unlimited; a number is itself; false, text or a missing limit allow none.
  select case jsonb_typeof(p_limits -> p_limit)
    when 'null' then null
    when 'number' then (p_limits ->> p_limit)::numeric
    when 'boolean' then case when (p_limits ->> p_limit)::boolean then null else 0 end
    else 0
  end
$$;
comment on function public._plan_limit_max(jsonb, text) is
  'The most of a counted limit a plan allows in use: null = unlimited, 0 = none (missing, false or text). The one reading behind plan_limit_allows and plan_usage.';
revoke execute on function public._plan_limit_max(jsonb, text) from public, anon;
grant execute on function public._plan_limit_max(jsonb, text) to authenticated, service_role;

create or replace function public.plan_limit_allows(p_organization_id uuid, p_limit text, p_in_use bigint) returns boolean
language sql
stable
set search_path = ''
as $$
  -- Security invoker: the caller reads its own organization's row under RLS; no row allows nothing.
  select coalesce((
    select coalesce(p_in_use, 0) < public._plan_limit_max(o.plan_limits, p_limit) or public._plan_limit_max(o.plan_limits, p_limit) is null
    from public.organizations o where o.id = p_organization_id), false)
$$;

create or replace function public.plan_usage(p_organization_id uuid)
returns table (limit_name text, in_use bigint, limit_value numeric, over_by bigint)
language sql
stable
set search_path = ''
as $$
  -- Security invoker: the organization row is read under the caller's RLS (members only), and the
  -- counts come from seats_in_use / projects_in_use, which answer members only.
  with org as (
    select o.id, o.plan_limits from public.organizations o where o.id = p_organization_id
  ), counted as (
    -- A plan that names no seat limit limits no seats (tg_organization_invitations__within_seat_limit).
    select 1 as ord, 'seats'::text as limit_name, public.seats_in_use(org.id)::bigint as in_use,
      case when org.plan_limits ? 'seats' then public._plan_limit_max(org.plan_limits, 'seats') end as limit_value
    from org
    union all
    select 2, 'projects', public.projects_in_use(org.id), public._plan_limit_max(org.plan_limits, 'projects') from org
  )
  select c.limit_name, c.in_use, c.limit_value,
    case when c.limit_value is not null and c.in_use > c.limit_value then (c.in_use - ceil(c.limit_value))::bigint else 0 end
  from counted c where c.in_use is not null order by c.ord
$$;
