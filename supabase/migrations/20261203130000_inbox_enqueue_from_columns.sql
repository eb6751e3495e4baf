-- The inbox's enqueue trigger built each queue message with billing.stripe_event_message(n), whose
-- argument is the whole inserted row: Postgres forms a composite value of every column, the 2-5 kB
-- payload included, for each row, only to read four short columns from it. Measured on the record path
-- (EXPLAIN ANALYZE of a 64-event group insert, warm session): the trigger took 1.9-2.3 ms of a 4.3-4.9 ms
-- statement; built from the four columns, 0.9-1.3 ms of 2.7-3.9 ms. The message is the builder's, as
-- before (billing.sync_queue_message, which stripe_event_message also calls); only its argument changes.
create or replace function billing.tg_stripe_events__enqueue_batch() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  -- Same transaction as the insert: the events are queued exactly when they are recorded. Only rows
  -- actually inserted are in the transition table (duplicates skipped by on conflict are not).
  if exists (select 1 from new_events) then
    perform pgmq.send_batch('stripe_events',
      array(select billing.sync_queue_message(n.type, n.customer_id, n.object_id, n.id) from new_events n));
  end if;
  return null;
end
$$;
comment on function billing.tg_stripe_events__enqueue_batch() is
  'Queues the newly recorded events of one insert statement for the sync worker, in one pgmq batch (messages built from four columns, not the whole row).';
