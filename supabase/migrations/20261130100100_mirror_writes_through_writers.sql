-- The mirror's own writes of organizations' billing fields go through the writers of
-- 20261130100000_organization_billing_writers.sql too: a product's or price's new limits, a price change
-- on an organization, and the customer the sync links. Each function below is restated whole because a
-- landed migration can't be edited; only the marked statement changes.

-- Changed: the limits of organizations on this product are written by billing._refresh_plan_limits.
create or replace function billing.service_role_apply_product(p_product jsonb, p_fetched_at timestamptz) returns void
language plpgsql
set search_path = ''
as $$
begin
  insert into public.stripe_products as t (id, name, active, metadata, deleted, raw, stripe_fetched_at)
  values (p_product ->> 'id', p_product ->> 'name', (p_product ->> 'active')::boolean, coalesce(p_product -> 'metadata', '{}'),
    coalesce((p_product ->> 'deleted')::boolean, false), p_product, p_fetched_at)
  on conflict (id) do update set
    name = coalesce(excluded.name, t.name), active = coalesce(excluded.active, t.active),
    metadata = case when excluded.deleted then t.metadata else excluded.metadata end,
    deleted = excluded.deleted, raw = excluded.raw, stripe_fetched_at = excluded.stripe_fetched_at
  where t.stripe_fetched_at <= excluded.stripe_fetched_at;
  -- New limits on a product apply to every organization on one of its prices.
  perform billing._refresh_plan_limits(null, null, p_product ->> 'id');
end
$$;

-- Changed: the limits of organizations on this price are written by billing._refresh_plan_limits.
create or replace function billing.service_role_apply_price(p_price jsonb, p_fetched_at timestamptz) returns void
language plpgsql
set search_path = ''
as $$
begin
  if jsonb_typeof(p_price -> 'product') = 'object' then
    perform billing.service_role_apply_product(p_price -> 'product', p_fetched_at);
  end if;
  insert into public.stripe_prices as t (id, product_id, active, nickname, currency, unit_amount, recurring_interval,
    recurring_interval_count, metadata, deleted, raw, stripe_fetched_at)
  values (p_price ->> 'id', billing._id(p_price -> 'product'), (p_price ->> 'active')::boolean, p_price ->> 'nickname',
    p_price ->> 'currency', (p_price ->> 'unit_amount')::bigint, p_price #>> '{recurring,interval}',
    (p_price #>> '{recurring,interval_count}')::integer, coalesce(p_price -> 'metadata', '{}'),
    coalesce((p_price ->> 'deleted')::boolean, false), p_price, p_fetched_at)
  on conflict (id) do update set
    product_id = coalesce(excluded.product_id, t.product_id), active = coalesce(excluded.active, t.active),
    nickname = case when excluded.deleted then t.nickname else excluded.nickname end,
    currency = coalesce(excluded.currency, t.currency), unit_amount = coalesce(excluded.unit_amount, t.unit_amount),
    recurring_interval = coalesce(excluded.recurring_interval, t.recurring_interval),
    recurring_interval_count = coalesce(excluded.recurring_interval_count, t.recurring_interval_count),
    metadata = case when excluded.deleted then t.metadata else excluded.metadata end,
    deleted = excluded.deleted, raw = excluded.raw, stripe_fetched_at = excluded.stripe_fetched_at
  where t.stripe_fetched_at <= excluded.stripe_fetched_at;
  perform billing._refresh_plan_limits(null, p_price ->> 'id', null);
end
$$;

-- Changed: the organization takes the customer through billing.service_role_link_customer.
create or replace function billing._apply_customer(p_customer_id text, p_customer jsonb, p_fetched_at timestamptz) returns uuid
language plpgsql
set search_path = ''
as $$
declare
  v_deleted boolean;
  v_org uuid;
  v_user uuid;
begin
  -- Deleted in Stripe: p_customer is null, or the last snapshot Stripe sent of it with `deleted: true`
  -- (the sync takes it from the inbox: Stripe answers a deleted customer with its id alone).
  v_deleted := p_customer is null or coalesce((p_customer ->> 'deleted')::boolean, false);
  v_user := billing._uuid(p_customer #>> '{metadata,user_id}');
  if v_user is not null and not exists (select 1 from auth.users where id = v_user) then
    v_user := null;
  end if;
  v_org := coalesce(
    (select id from public.organizations where id = billing._uuid(p_customer #>> '{metadata,organization_id}')),
    (select id from public.organizations where stripe_customer_id = p_customer_id),
    (select organization_id from public.stripe_customers where id = p_customer_id)
  );
  if v_deleted then
    -- Keep the row, marked deleted, with what the mirror knew (newer than any snapshot) or else the snapshot.
    insert into public.stripe_customers as t (id, organization_id, user_id, email, name, metadata, deleted, raw, stripe_fetched_at)
    values (p_customer_id, v_org, v_user, p_customer ->> 'email', p_customer ->> 'name', coalesce(p_customer -> 'metadata', '{}'),
      true, p_customer, p_fetched_at)
    on conflict (id) do update set
      organization_id = coalesce(t.organization_id, excluded.organization_id), user_id = coalesce(t.user_id, excluded.user_id),
      email = coalesce(t.email, excluded.email), name = coalesce(t.name, excluded.name), deleted = true,
      stripe_fetched_at = excluded.stripe_fetched_at
    where t.stripe_fetched_at <= excluded.stripe_fetched_at;
  else
    insert into public.stripe_customers as t (id, organization_id, user_id, email, name, metadata, deleted, raw, stripe_fetched_at)
    values (p_customer_id, v_org, v_user, p_customer ->> 'email', p_customer ->> 'name', coalesce(p_customer -> 'metadata', '{}'),
      false, p_customer, p_fetched_at)
    on conflict (id) do update set
      organization_id = coalesce(excluded.organization_id, t.organization_id), user_id = coalesce(excluded.user_id, t.user_id),
      email = excluded.email, name = excluded.name, metadata = excluded.metadata, deleted = false, raw = excluded.raw,
      stripe_fetched_at = excluded.stripe_fetched_at
    where t.stripe_fetched_at <= excluded.stripe_fetched_at;
  end if;
  if v_org is not null then
    perform billing.service_role_link_customer(v_org, p_customer_id, null);
  end if;
  return v_org;
end
$$;

/*
 * A price change applies the new plan's limits. Formerly a before-trigger set them itself (a second
 * writer of plan_limits); now the trigger, after the change, asks the one writer. Its update of
 * plan_limits does not fire it again (it fires on price_id only).
 */
create or replace function public.tg_organizations__apply_plan_limits() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  perform billing._refresh_plan_limits(new.id, null, null);
  return null;
end
$$;
comment on function public.tg_organizations__apply_plan_limits() is 'Applies the new plan''s limits (through billing._refresh_plan_limits) whenever an organization''s price changes.';
drop trigger organizations_apply_plan_limits on public.organizations;
create trigger organizations_apply_plan_limits after update of price_id on public.organizations
  for each row when (new.price_id is distinct from old.price_id) execute function public.tg_organizations__apply_plan_limits();
