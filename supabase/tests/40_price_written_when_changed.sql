-- A customer's sync writes its subscription's price only when the mirror's copy differs, so concurrent
-- syncs of customers on one price do not wait on its row; a price write is still a no-op when a
-- subscription fetched later carries a different version of it (never go backwards).
begin;
\ir _helpers.psql
select plan(6);

create function tests.apply_p(p_customer text, p_nickname text, p_product jsonb, p_at timestamptz) returns void language sql as $$
  select billing.service_role_apply_customer_state(p_customer, jsonb_build_object('id', p_customer, 'metadata', '{}'::jsonb),
    jsonb_build_array(jsonb_build_object('id', 'sub_' || p_customer, 'status', 'active', 'created', 1700000000,
      'items', jsonb_build_object('data', jsonb_build_array(jsonb_build_object('quantity', 1,
        'price', jsonb_build_object('id', 'price_p', 'currency', 'usd', 'unit_amount', 500, 'nickname', p_nickname,
          'metadata', '{}'::jsonb, 'recurring', jsonb_build_object('interval', 'month', 'interval_count', 1), 'product', p_product)))))),
    '[]', p_at)
$$;

select tests.apply_p('cus_p1', 'Basic', '{"id": "prod_p", "name": "P", "metadata": {}}', now() - interval '10 minutes');
create temp table price_version as select ctid::text as tuple from public.stripe_prices where id = 'price_p';

-- Another customer on the same, unchanged price (its product as an id now that the mirror has it).
select tests.apply_p('cus_p2', 'Basic', '"prod_p"', now() - interval '9 minutes');
select is((select ctid::text from public.stripe_prices where id = 'price_p'), (select tuple from price_version),
  'an unchanged price is not written again (its row is not locked by the sync)');
select is((select count(*)::int from public.stripe_subscriptions where price_id = 'price_p'), 2, 'both subscriptions are mirrored');

-- Fetched between the price's row (10 minutes ago) and cus_p2's subscription (9), and different from both.
select tests.apply_p('cus_p3', 'Renamed', '"prod_p"', now() - interval '9 minutes 30 seconds');
select is((select nickname from public.stripe_prices where id = 'price_p'), 'Basic',
  'a price fetched before the one a subscription carries, and different, changes nothing');

select tests.apply_p('cus_p4', 'Renamed', '"prod_p"', now() - interval '8 minutes');
select is((select nickname from public.stripe_prices where id = 'price_p'), 'Renamed', 'a changed price is written');

-- Unchanged for cus_p5 (fetched 6 minutes ago: not written); the catalog's fetch of 7 minutes ago differs.
select tests.apply_p('cus_p5', 'Renamed', '"prod_p"', now() - interval '6 minutes');
select billing.service_role_apply_price(
  '{"id": "price_p", "currency": "usd", "unit_amount": 500, "nickname": "Other", "metadata": {}, "product": "prod_p"}',
  now() - interval '7 minutes');
select is((select nickname from public.stripe_prices where id = 'price_p'), 'Renamed',
  'the catalog''s write of a price is a no-op too when a subscription fetched later carries another version');
select billing.service_role_apply_price(
  '{"id": "price_p", "currency": "usd", "unit_amount": 500, "nickname": "Other", "metadata": {}, "product": "prod_p"}',
  now() - interval '5 minutes');
select is((select nickname from public.stripe_prices where id = 'price_p'), 'Other', 'a newer fetch of the price is written');

select * from finish();
rollback;
