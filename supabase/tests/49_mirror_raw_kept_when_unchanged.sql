-- A sync that fetched an object unchanged keeps the mirror's stored `raw` (no new compressed or TOASTed
-- copy) while the row's fetch time still advances; a changed object is written. Counted with the
-- transaction's own statistics of the invoices' TOAST table: an invoice too large to stay in its row.
begin;
\ir _helpers.psql
select plan(7);

-- An invoice whose raw must go out of line: 40 kB of text that does not compress.
create temp table big as select string_agg(md5(g::text), '') as lines from generate_series(1, 1250) g;
create function tests.apply_i(p_status text, p_at timestamptz) returns void language sql as $$
  select billing.service_role_apply_customer_state('cus_rk', '{"id": "cus_rk", "email": "rk@example.test", "metadata": {}}',
    jsonb_build_array(jsonb_build_object('id', 'sub_rk', 'status', 'active', 'created', 1700000000,
      'items', jsonb_build_object('data', jsonb_build_array(jsonb_build_object('quantity', 1, 'price', 'price_rk'))))),
    jsonb_build_array(jsonb_build_object('id', 'in_rk', 'status', p_status, 'currency', 'usd', 'amount_due', 500,
      'created', 1700000000, 'description', (select lines from big))),
    p_at)
$$;
create function tests.invoice_toast_inserts() returns bigint language sql as $$
  select coalesce(sum(n_tup_ins), 0) from pg_stat_xact_all_tables
  where relid = (select reltoastrelid from pg_class where oid = 'public.stripe_invoices'::regclass)
$$;

select tests.apply_i('open', now() - interval '3 minutes');
select cmp_ok(tests.invoice_toast_inserts(), '>', 0::bigint, 'the first write of a large invoice stores its raw out of line');
create temp table before_unchanged as
  select tests.invoice_toast_inserts() as inserts, (select stripe_fetched_at from public.stripe_invoices where id = 'in_rk') as fetched,
    (select stripe_fetched_at from public.stripe_subscriptions where id = 'sub_rk') as sub_fetched;

select tests.apply_i('open', now() - interval '2 minutes');
select is(tests.invoice_toast_inserts(), (select inserts from before_unchanged), 'the same invoice fetched again writes no new copy of its raw');
select cmp_ok((select stripe_fetched_at from public.stripe_invoices where id = 'in_rk'), '>', (select fetched from before_unchanged),
  'its fetch time still advances (never go backwards counts from it)');
select cmp_ok((select stripe_fetched_at from public.stripe_subscriptions where id = 'sub_rk'), '>', (select sub_fetched from before_unchanged),
  'so does the unchanged subscription''s');
select is((select raw ->> 'description' from public.stripe_invoices where id = 'in_rk'), (select lines from big), 'the stored raw is the object as fetched');

select tests.apply_i('paid', now() - interval '1 minute');
select cmp_ok(tests.invoice_toast_inserts(), '>', (select inserts from before_unchanged), 'a changed invoice is written');
select is((select raw ->> 'status' from public.stripe_invoices where id = 'in_rk'), 'paid', 'with what changed');

select * from finish();
rollback;
