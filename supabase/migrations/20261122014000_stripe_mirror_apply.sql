-- How the sync writes Stripe's state: one function per fetch, called by the sync worker inside its
-- per-customer transaction. Every upsert is guarded by `stripe_fetched_at`: data fetched earlier than
-- what a row already holds changes nothing (DESIGN rule 4). The organization's billing fields follow
-- the customer's most relevant subscription.

create function billing._ts(p_value jsonb) returns timestamptz
language sql
immutable
set search_path = ''
as $$
  select case when p_value is null or jsonb_typeof(p_value) <> 'number' then null else to_timestamp((p_value::text)::double precision) end
$$;
comment on function billing._ts(jsonb) is 'A Stripe unix timestamp (seconds) as timestamptz; null for null.';

create function billing._id(p_value jsonb) returns text
language sql
immutable
set search_path = ''
as $$
  select case jsonb_typeof(p_value) when 'string' then p_value #>> '{}' when 'object' then p_value ->> 'id' else null end
$$;
comment on function billing._id(jsonb) is 'The id of an expandable Stripe field, whether it holds an id or the expanded object.';

create function billing._uuid(p_value text) returns uuid
language sql
immutable
set search_path = ''
as $$
  select case when p_value ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then p_value::uuid end
$$;

create function billing.service_role_apply_product(p_product jsonb, p_fetched_at timestamptz) returns void
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
  update public.organizations o set plan_limits = coalesce(public.plan_limits_for(o.price_id), '{}'::jsonb), updated_at = now()
  where o.product_id = p_product ->> 'id' and o.plan_limits is distinct from coalesce(public.plan_limits_for(o.price_id), '{}'::jsonb);
end
$$;

create function billing.service_role_apply_price(p_price jsonb, p_fetched_at timestamptz) returns void
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
  update public.organizations o set plan_limits = coalesce(public.plan_limits_for(o.price_id), '{}'::jsonb), updated_at = now()
  where o.price_id = p_price ->> 'id' and o.plan_limits is distinct from coalesce(public.plan_limits_for(o.price_id), '{}'::jsonb);
end
$$;

comment on function billing.service_role_apply_product(jsonb, timestamptz) is 'Mirrors a fetched Stripe product (or its deletion).';
comment on function billing.service_role_apply_price(jsonb, timestamptz) is 'Mirrors a fetched Stripe price, with its product when expanded.';
