-- Concurrent customer syncs no longer queue on their price's row. Each sync wrote the price its
-- subscription embeds (an upsert: the row stays locked to the end of the sync's transaction, through the
-- workflows' dispatch), so syncs of customers on one price ran one at a time from that write on (the drain
-- bench: 240 of 340 ms per customer waiting there). Now a sync writes the price only when the mirror's
-- copy differs; and since an unchanged price's row then keeps an older fetch time than the subscriptions
-- carrying it, a price write is a no-op when a subscription fetched later carries a different version
-- (rule 4, never go backwards, counting those snapshots too).

create function billing._price_is_mirrored(p_price jsonb) returns boolean
language sql
stable
set search_path = ''
as $$
  select jsonb_typeof(p_price -> 'product') is distinct from 'object' and exists (
    select 1 from public.stripe_prices p
    where p.id = p_price ->> 'id' and p.product_id is not distinct from billing._id(p_price -> 'product')
      and (p.raw - 'product') = (p_price - 'product'))
$$;
comment on function billing._price_is_mirrored(jsonb) is
  'Whether the mirror holds this fetched price as it is (its product aside, an id here and possibly expanded there); false when the price brings its product expanded (the mirror lacks the product).';
revoke execute on function billing._price_is_mirrored(jsonb) from public, anon, authenticated;

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
  where t.stripe_fetched_at <= excluded.stripe_fetched_at
    -- A customer's sync that found the price unchanged did not write it (_apply_subscriptions), so the
    -- newest snapshot of it may be one a subscription carries: one fetched later and different wins.
    and not exists (
      select 1 from public.stripe_subscriptions s
      where s.price_id = excluded.id and s.stripe_fetched_at > excluded.stripe_fetched_at
        and (s.raw #> '{items,data,0,price}') - 'product' is distinct from excluded.raw - 'product');
  perform billing._refresh_plan_limits(null, p_price ->> 'id', null);
end
$$;

create or replace function billing._apply_subscriptions(p_customer_id text, p_org uuid, p_subscriptions jsonb, p_fetched_at timestamptz) returns void
language plpgsql
set search_path = ''
as $$
declare
  v_sub jsonb;
  v_item jsonb;
begin
  for v_sub in select * from jsonb_array_elements(coalesce(p_subscriptions, '[]')) loop
    v_item := v_sub #> '{items,data,0}';
    -- The price only when the mirror's copy differs (or the mirror lacks its product, expanded then):
    -- every customer on a price would otherwise lock its one row to the end of their sync transactions.
    if jsonb_typeof(v_item -> 'price') = 'object' and not billing._price_is_mirrored(v_item -> 'price') then
      perform billing.service_role_apply_price(v_item -> 'price', p_fetched_at);
    end if;
    insert into public.stripe_subscriptions as t (id, customer_id, organization_id, status, price_id, product_id, quantity,
      current_period_start, current_period_end, trial_start, trial_end, cancel_at_period_end, cancel_at, canceled_at, ended_at,
      created, raw, stripe_fetched_at)
    values (v_sub ->> 'id', p_customer_id, p_org, v_sub ->> 'status', billing._id(v_item -> 'price'),
      billing._id(v_item #> '{price,product}'), (v_item ->> 'quantity')::integer,
      -- The pinned API keeps periods on the item (the subscription has none).
      billing._ts(v_item -> 'current_period_start'), billing._ts(v_item -> 'current_period_end'),
      billing._ts(v_sub -> 'trial_start'), billing._ts(v_sub -> 'trial_end'), coalesce((v_sub ->> 'cancel_at_period_end')::boolean, false),
      billing._ts(v_sub -> 'cancel_at'), billing._ts(v_sub -> 'canceled_at'), billing._ts(v_sub -> 'ended_at'),
      billing._ts(v_sub -> 'created'), v_sub, p_fetched_at)
    on conflict (id) do update set
      customer_id = excluded.customer_id, organization_id = coalesce(excluded.organization_id, t.organization_id), status = excluded.status,
      price_id = excluded.price_id, product_id = excluded.product_id, quantity = excluded.quantity,
      current_period_start = excluded.current_period_start, current_period_end = excluded.current_period_end,
      trial_start = excluded.trial_start, trial_end = excluded.trial_end, cancel_at_period_end = excluded.cancel_at_period_end,
      cancel_at = excluded.cancel_at, canceled_at = excluded.canceled_at, ended_at = excluded.ended_at, created = excluded.created,
      raw = excluded.raw, stripe_fetched_at = excluded.stripe_fetched_at
    where t.stripe_fetched_at <= excluded.stripe_fetched_at;
  end loop;
end
$$;

create index stripe_subscriptions_price_idx on public.stripe_subscriptions (price_id);
comment on index public.stripe_subscriptions_price_idx is
  'For billing.service_role_apply_price''s check of newer snapshots of a price that subscriptions carry.';
comment on function billing.service_role_apply_price(jsonb, timestamptz) is
  'Mirrors a fetched Stripe price, with its product when expanded; a no-op when the mirror''s row, or a subscription mirrored with a later fetch, holds a newer version.';
comment on function billing._apply_subscriptions(text, uuid, jsonb, timestamptz) is
  'Mirrors a customer''s fetched subscriptions (and the price each one''s first item carries, when the mirror''s copy differs); older data changes nothing. Its own function so a change to the subscription''s fields redefines only this.';
