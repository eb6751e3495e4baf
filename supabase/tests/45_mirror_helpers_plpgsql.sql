-- The mirror's small helpers are plpgsql (their plans kept per connection; as SQL functions with a SET
-- clause they were parsed and planned on every call) and answer as before.
begin;
\ir _helpers.psql
select plan(17);

select is(
  (select array_agg(p.proname::text order by p.proname) from pg_proc p join pg_language l on l.oid = p.prolang
   where p.pronamespace = 'billing'::regnamespace and l.lanname = 'plpgsql'
     and p.proname in ('_ts', '_id', '_uuid', '_uuid_or_null', '_org_status', '_price_is_mirrored')),
  array['_id', '_org_status', '_price_is_mirrored', '_ts', '_uuid', '_uuid_or_null'],
  'the six helpers are plpgsql');
select is(
  (select count(*)::int from pg_proc where pronamespace = 'billing'::regnamespace
     and proname in ('_ts', '_id', '_uuid', '_uuid_or_null', '_org_status', '_price_is_mirrored')
     and proconfig = array['search_path=""'] and not prosecdef
     and provolatile = case when proname = '_price_is_mirrored' then 's' else 'i' end),
  6, 'with their volatility and an empty search_path, none security definer');

select is(billing._ts('1764500000'), to_timestamp(1764500000), 'a Unix time becomes a timestamp');
select is(billing._ts('"1764500000"'), null, 'a string is not a time');
select is(billing._ts(null), null, 'nor is null');
select is(billing._id('"cus_1"'), 'cus_1', 'an id given as a string');
select is(billing._id('{"id": "cus_2", "object": "customer"}'), 'cus_2', 'an expanded object gives its id');
select is(billing._id('42'), null, 'anything else has no id');
select is(billing._uuid('0b5c6a1e-9f43-4c2e-8d2a-3f1e2d4c5b6a'), '0b5c6a1e-9f43-4c2e-8d2a-3f1e2d4c5b6a'::uuid, 'a uuid');
select is(billing._uuid('org_1'), null, 'not a uuid');
select is(billing._uuid_or_null('0B5C6A1E-9F43-4C2E-8D2A-3F1E2D4C5B6A'), '0b5c6a1e-9f43-4c2e-8d2a-3f1e2d4c5b6a'::uuid, 'upper case too');
select is(billing._uuid_or_null(null), null, 'null stays null');
select is(billing._org_status('active', 'deleted'), 'deleted', 'a deleted organization stays deleted');
select is(billing._org_status('past_due', 'payment_failed'), 'payment_failed', 'a failed payment stands while past due');
select is(billing._org_status('canceled', 'active'), 'cancelled', 'a canceled subscription cancels');
select is(billing._org_status('incomplete', 'trialing'), 'trialing', 'other statuses keep the current one');
select is(billing._price_is_mirrored('{"id": "price_not_mirrored_45", "product": "prod_x"}'), false,
  'a price the mirror does not hold is not mirrored');

select * from finish();
rollback;
