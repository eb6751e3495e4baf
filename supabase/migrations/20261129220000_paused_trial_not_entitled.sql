-- A paused subscription (a trial that ended without a payment method, trial_settings.end_behavior =
-- pause) is not entitled: access stops at once, without the failed-payment grace period, which is for
-- past_due only (docs/architecture.md, "Product decisions"). Until now `_org_status` mapped `paused`
-- to `past_due`, so a paused organization kept its access for the grace period.

alter table public.organizations drop constraint organizations_billing_status_check;
alter table public.organizations add constraint organizations_billing_status_check
  check (billing_status in ('trialing', 'active', 'payment_failed', 'past_due', 'paused', 'cancelled', 'deleted'));

create or replace function billing._org_status(p_stripe_status text, p_current text) returns text
language sql
immutable
set search_path = ''
as $$
  select case
    when p_current = 'deleted' then 'deleted'
    when p_stripe_status = 'trialing' then 'trialing'
    when p_stripe_status = 'active' then 'active'
    -- A trial that ended without a payment method: nothing failed, nothing is owed, access stops.
    when p_stripe_status = 'paused' then 'paused'
    -- payment_failed is set by the dunning workflow when a payment fails; it stands until Stripe
    -- says the subscription recovered or ended.
    when p_stripe_status in ('past_due', 'unpaid') then case when p_current = 'payment_failed' then 'payment_failed' else 'past_due' end
    when p_stripe_status in ('canceled', 'incomplete_expired') then 'cancelled'
    else p_current
  end
$$;
comment on function billing._org_status(text, text) is
  'An organization''s billing status from its subscription''s Stripe status (paused is its own status: not entitled, no grace).';

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
  if not found or v_org.billing_status is null or v_org.billing_status in ('cancelled', 'deleted', 'paused') then
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

-- Organizations already mapped to past_due from a paused subscription take their real status now.
update public.organizations o set billing_status = 'paused', updated_at = now()
where o.billing_status = 'past_due'
  and (select s.status from public.stripe_subscriptions s where s.id = o.stripe_subscription_id) = 'paused';
