-- Plan limits and entitlements. Limits come from Stripe metadata `limits.<name>` on the product, with
-- the price's overriding them, and are applied whenever an organization's plan changes. Entitlement
-- helpers let a team guard its own tables with RLS; `past_due` keeps access for a grace period.

create table billing.settings (
  id boolean primary key default true check (id),
  entitlement_grace_period interval not null default '7 days',
  payment_reminder_delay interval not null default '3 days',
  trial_reminder_lead interval not null default '7 days',
  data_deletion_delay interval not null default '30 days',
  export_link_ttl interval not null default '7 days'
);
alter table billing.settings enable row level security;
insert into billing.settings default values;
comment on table billing.settings is 'One row of product settings; change a value with an update (Studio).';
comment on column billing.settings.entitlement_grace_period is 'How long a failed payment (payment_failed / past_due) keeps access.';

create function billing._limit_value(p_value text) returns jsonb
language sql
immutable
set search_path = ''
as $$
  select case
    when p_value is null then null
    when lower(p_value) = 'unlimited' then 'null'::jsonb
    when lower(p_value) in ('true', 'false') then to_jsonb(lower(p_value)::boolean)
    when p_value ~ '^-?[0-9]+(\.[0-9]+)?$' then to_jsonb(p_value::numeric)
    else to_jsonb(p_value)
  end
$$;
comment on function billing._limit_value(text) is 'A metadata value as a limit: numbers, booleans, "unlimited" as JSON null, else text.';

create function billing._metadata_limits(p_metadata jsonb) returns jsonb
language sql
immutable
set search_path = ''
as $$
  select coalesce(jsonb_object_agg(substr(key, 8), billing._limit_value(value)), '{}'::jsonb)
  from jsonb_each_text(coalesce(p_metadata, '{}'::jsonb))
  where key like 'limits.%' and length(key) > 7
$$;

create function public.plan_limits_for(p_price_id text) returns jsonb
language sql
stable
security definer
set search_path = ''
as $$
  -- security definer: the parsing helpers live in the private billing schema.
  select coalesce(billing._metadata_limits(pr.metadata), '{}'::jsonb) || coalesce(billing._metadata_limits(p.metadata), '{}'::jsonb)
  from public.stripe_prices p
  left join public.stripe_products pr on pr.id = p.product_id
  where p.id = p_price_id
$$;
comment on function public.plan_limits_for(text) is 'Limits of a plan: product metadata `limits.*`, overridden by the price''s; {} when unknown.';
revoke execute on function public.plan_limits_for(text) from public, anon;
grant execute on function public.plan_limits_for(text) to authenticated, service_role;

create function public.tg_organizations__apply_plan_limits() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.price_id is distinct from old.price_id then
    new.plan_limits := coalesce(public.plan_limits_for(new.price_id), '{}'::jsonb);
  end if;
  return new;
end
$$;
comment on function public.tg_organizations__apply_plan_limits() is 'Applies the new plan''s limits whenever an organization''s price changes.';
revoke execute on function public.tg_organizations__apply_plan_limits() from public, anon, authenticated;
create trigger organizations_apply_plan_limits before update of price_id on public.organizations
  for each row execute function public.tg_organizations__apply_plan_limits();

create function public.has_active_entitlement(p_organization_id uuid, p_feature text) returns boolean
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
    if now() > coalesce(v_org.last_payment_failed_at, v_org.next_billing_at, v_org.updated_at) + v_grace then
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
comment on function public.has_active_entitlement(uuid, text) is
  'True when the organization''s plan includes the feature and its billing is in good standing (or within the grace period). For RLS policies.';
revoke execute on function public.has_active_entitlement(uuid, text) from public, anon;
grant execute on function public.has_active_entitlement(uuid, text) to authenticated, service_role;
