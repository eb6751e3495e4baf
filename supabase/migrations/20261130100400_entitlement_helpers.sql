-- Splits public.has_active_entitlement (redefined whole twice: for the product clock, then for paused
-- trials) into two small helpers, so the next change to who keeps access, or to how a plan's limit
-- grants a feature, restates one helper instead of the whole function. Behaviour is unchanged: the
-- bodies below are the latest definition's (20261129220000_paused_trial_not_entitled.sql), moved.

/*
 * Whether an organization's billing status gives access at all: none for no status, cancelled, deleted
 * or paused; a failed payment or past-due subscription keeps access for the grace period (billing.settings)
 * from when the payment failed, measured on the product's clock.
 */
create function billing._status_allows_access(p_org public.organizations) returns boolean
language plpgsql
stable
set search_path = ''
as $$
declare
  v_grace interval;
begin
  if p_org.billing_status is null or p_org.billing_status in ('cancelled', 'deleted', 'paused') then
    return false;
  end if;
  if p_org.billing_status in ('payment_failed', 'past_due') then
    select entitlement_grace_period into v_grace from billing.settings;
    return not coalesce(billing.product_now() > coalesce(p_org.last_payment_failed_at, p_org.next_billing_at, p_org.updated_at) + v_grace, false);
  end if;
  return true;
end
$$;
comment on function billing._status_allows_access(public.organizations) is
  'Whether the organization''s billing status gives access (a failed payment keeps it for the grace period); internal to has_active_entitlement.';

/*
 * Whether a plan's limits grant a feature: absent is no; null is unlimited; a number grants it above
 * zero; a boolean is itself; anything else grants it.
 */
create function billing._plan_allows_feature(p_plan_limits jsonb, p_feature text) returns boolean
language sql
immutable
set search_path = ''
as $$
  select coalesce(p_plan_limits ? p_feature, false) and case jsonb_typeof(p_plan_limits -> p_feature)
    when 'null' then true
    when 'boolean' then (p_plan_limits -> p_feature)::text::boolean
    when 'number' then ((p_plan_limits -> p_feature)::text)::numeric > 0
    else true
  end
$$;
comment on function billing._plan_allows_feature(jsonb, text) is
  'Whether plan limits grant a feature (null: unlimited; number: above zero; boolean: itself); internal to has_active_entitlement.';

create or replace function public.has_active_entitlement(p_organization_id uuid, p_feature text) returns boolean
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_org public.organizations;
begin
  -- security definer: reads billing fields and settings the caller cannot read directly; the caller
  -- must still belong to the organization (the service role checks any).
  if coalesce((select auth.role()), '') <> 'service_role' and not public.has_org_role(p_organization_id) then
    return false;
  end if;
  select * into v_org from public.organizations where id = p_organization_id;
  return found and billing._status_allows_access(v_org) and billing._plan_allows_feature(v_org.plan_limits, p_feature);
end
$$;

revoke execute on function billing._status_allows_access(public.organizations) from public, anon, authenticated;
revoke execute on function billing._plan_allows_feature(jsonb, text) from public, anon, authenticated;
grant execute on function billing._status_allows_access(public.organizations) to service_role;
grant execute on function billing._plan_allows_feature(jsonb, text) to service_role;
