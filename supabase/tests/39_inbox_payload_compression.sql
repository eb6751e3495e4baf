-- The inbox's payloads are compressed with lz4 (migration 20261130180000), cheaper per webhook than pglz.
begin;
\ir _helpers.psql
select plan(2);

select is((select attcompression::text from pg_attribute where attrelid = 'billing.stripe_events'::regclass and attname = 'payload'),
  'l', 'the payload column compresses with lz4');

-- A payload past the 2 kB threshold, compressible as Stripe objects are, as the webhook records it.
select billing.service_role_record_stripe_events(jsonb_build_array(jsonb_build_object(
  'id', 'evt_lz4_test', 'type', 'invoice.paid', 'livemode', false, 'api_version_mismatch', false, 'created', now(), 'verified_by', 'test',
  'payload', jsonb_build_object('id', 'evt_lz4_test', 'lines', (select jsonb_agg(jsonb_build_object('id', 'il_' || i, 'object', 'line_item', 'amount', 1000)) from generate_series(1, 80) i)))));
select is((select pg_column_compression(payload) from billing.stripe_events where id = 'evt_lz4_test'), 'lz4',
  'a recorded event''s payload is stored lz4-compressed');

select * from finish();
rollback;
