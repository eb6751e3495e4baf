-- The queue message builder is plpgsql (its plan kept per connection; as a SQL function with a SET clause
-- it was planned again on every statement that queued a message, every record of the webhook), with its
-- volatility, empty search_path and grants as before; its message is 37_sync_queue_message.sql's.
begin;
\ir _helpers.psql
select plan(4);

select is(
  (select l.lanname::text from pg_proc p join pg_language l on l.oid = p.prolang
   where p.oid = 'billing.sync_queue_message(text,text,text,text,boolean)'::regprocedure),
  'plpgsql', 'the builder is plpgsql');
select ok(
  (select provolatile = 'i' and proconfig = array['search_path=""'] and not prosecdef
   from pg_proc where oid = 'billing.sync_queue_message(text,text,text,text,boolean)'::regprocedure),
  'immutable, with an empty search_path, not security definer');
select ok(has_function_privilege('service_role', 'billing.sync_queue_message(text,text,text,text,boolean)', 'execute')
  and not has_function_privilege('authenticated', 'billing.sync_queue_message(text,text,text,text,boolean)', 'execute'),
  'service_role may call it, clients may not');
select is(billing.sync_queue_message('ops.resync', 'cus_q', null, null, false) ? 'replay', false, 'no replay key unless replayed');

select * from finish();
rollback;
