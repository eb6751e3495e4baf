-- Plan usage: each counted limit of an organization's plan with what is in use ("3 of 5 seats", "7 of 10
-- projects"), for its members, read under their RLS. The limit is read the way enforcement reads it
-- (seat trigger, projects insert policy), so the page never shows room the product would refuse. A team
-- that counts a table of its own adds a row here in a later migration, as projects did.

create function public.plan_usage(p_organization_id uuid)
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
    select 1 as ord, 'seats'::text as limit_name, public.seats_in_use(org.id)::bigint as in_use, org.plan_limits,
      -- A plan that names no seat limit limits no seats (tg_organization_invitations__within_seat_limit).
      not (org.plan_limits ? 'seats') as missing_is_unlimited
    from org
    union all
    select 2, 'projects', public.projects_in_use(org.id), org.plan_limits, false from org
  ), read as (
    select c.ord, c.limit_name, coalesce(c.in_use, 0) as in_use,
      -- As plan_limit_allows reads it: null or true is unlimited, a number is itself, anything else allows none.
      case
        when c.missing_is_unlimited then null
        when not (c.plan_limits ? c.limit_name) then 0
        else case jsonb_typeof(c.plan_limits -> c.limit_name)
          when 'null' then null
          when 'number' then (c.plan_limits ->> c.limit_name)::numeric
          when 'boolean' then case when (c.plan_limits ->> c.limit_name)::boolean then null else 0 end
          else 0
        end
      end as limit_value
    from counted c where c.in_use is not null
  )
  select r.limit_name, r.in_use, r.limit_value,
    case when r.limit_value is not null and r.in_use > r.limit_value then (r.in_use - ceil(r.limit_value))::bigint else 0 end
  from read r order by r.ord
$$;
comment on function public.plan_usage(uuid) is
  'For the organization''s members: each counted plan limit (seats, projects) with usage; limit_value null = unlimited, over_by > 0 after a downgrade below usage. No rows for anyone else.';
revoke execute on function public.plan_usage(uuid) from public, anon;
grant execute on function public.plan_usage(uuid) to authenticated, service_role;
