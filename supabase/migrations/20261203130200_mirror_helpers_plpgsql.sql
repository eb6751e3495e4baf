-- The mirror's small SQL helpers (billing._ts, _id, _uuid, _uuid_or_null, _org_status, _price_is_mirrored)
-- carry `set search_path = ''`, so Postgres never inlines them: each call from a statement of the apply
-- functions parsed and planned the helper's body again. Per synced customer group that is ~20 calls
-- (twelve _ts alone); pg_stat_user_functions during a resync of 291 customers: _ts 34 us a call, _id
-- 52 us, _uuid 65 us, _org_status 103 us, _price_is_mirrored 341 us, a third of the apply's time in the
-- database. As plpgsql the expression's plan is kept per connection: _ts called from a statement took
-- 13-23 us as SQL, 4 us as plpgsql. The same resync after this migration: service_role_apply_customer_state
-- 3.74 -> 2.08 ms a group (total time in the database). Bodies, volatility and search_path are unchanged.
create or replace function billing._ts(p_value jsonb) returns timestamptz
language plpgsql
immutable
set search_path = ''
as $$
begin
  return case when p_value is null or jsonb_typeof(p_value) <> 'number' then null else to_timestamp((p_value::text)::double precision) end;
end
$$;

create or replace function billing._id(p_value jsonb) returns text
language plpgsql
immutable
set search_path = ''
as $$
begin
  return case jsonb_typeof(p_value) when 'string' then p_value #>> '{}' when 'object' then p_value ->> 'id' else null end;
end
$$;

create or replace function billing._uuid(p_value text) returns uuid
language plpgsql
immutable
set search_path = ''
as $$
begin
  return case when p_value ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then p_value::uuid end;
end
$$;

create or replace function billing._uuid_or_null(p_text text) returns uuid
language plpgsql
immutable
set search_path = ''
as $$
begin
  return case when p_text ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then p_text::uuid end;
end
$$;

create or replace function billing._org_status(p_stripe_status text, p_current text) returns text
language plpgsql
immutable
set search_path = ''
as $$
begin
  return case
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
  end;
end
$$;

create or replace function billing._price_is_mirrored(p_price jsonb) returns boolean
language plpgsql
stable
set search_path = ''
as $$
begin
  return jsonb_typeof(p_price -> 'product') is distinct from 'object' and exists (
    select 1 from public.stripe_prices p
    where p.id = p_price ->> 'id' and p.product_id is not distinct from billing._id(p_price -> 'product')
      and (p.raw - 'product') = (p_price - 'product'));
end
$$;
comment on function billing._uuid(text) is 'A text as a uuid when it is one (Stripe metadata), else null.';
