-- The product's "now" in SQL: the database's clock plus `billing.settings.product_clock_offset`, which is 0
-- in production and, in the local stack (development only), the Stripe emulator's offset, written by the
-- functions host whenever it reads a new one (supabase/functions/_shared/clock.ts). So the failed-payment
-- grace period ends when the product's clock says so, as the emails' dates do, after `emulator advance`.

alter table billing.settings add column product_clock_offset interval not null default '0';
comment on column billing.settings.product_clock_offset is
  'Development only: how far the local Stripe emulator''s clock is ahead (set by the functions host); 0 in production.';

create function billing.product_now() returns timestamptz
language sql
stable
set search_path = ''
as $$
  select now() + coalesce((select s.product_clock_offset from billing.settings s), interval '0')
$$;
comment on function billing.product_now() is 'The product''s now: the database clock plus product_clock_offset (0 in production).';
revoke execute on function billing.product_now() from public, anon, authenticated;
grant execute on function billing.product_now() to service_role;

create or replace function public.has_active_entitlement(p_organization_id uuid, p_feature text) returns boolean
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_org public.organizations;
  v_grace interval;
  v_limit jsonb;
begin
  -- security definer: reads billing fields and settings the caller cannot read directly; the caller
  -- must still belong to the organization (the service role checks any).
  if coalesce((select auth.role()), '') <> 'service_role' and not public.has_org_role(p_organization_id) then
    return false;
  end if;
  select * into v_org from public.organizations where id = p_organization_id;
  if not found or v_org.billing_status is null or v_org.billing_status in ('cancelled', 'deleted') then
    return false;
  end if;
  if v_org.billing_status in ('payment_failed', 'past_due') then
    select entitlement_grace_period into v_grace from billing.settings;
    if billing.product_now() > coalesce(v_org.last_payment_failed_at, v_org.next_billing_at, v_org.updated_at) + v_grace then
      return false;
    end if;
  end if;
  if not (v_org.plan_limits ? p_feature) then
    return false;
  end if;
  v_limit := v_org.plan_limits -> p_feature;
  -- null is "unlimited"; a number grants the feature when above zero; a boolean is itself.
  return case jsonb_typeof(v_limit)
    when 'null' then true
    when 'boolean' then v_limit::text::boolean
    when 'number' then (v_limit::text)::numeric > 0
    else true
  end;
end
$$;
