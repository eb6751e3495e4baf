-- The drain job no longer ticks inside pg_cron. A 50-second job held pg_cron 1.4's launcher in
-- background-worker mode (citusdata/pg_cron#200): the jobs started in the same minute were recorded as
-- running until it ended, and could start late. Instead the job's stripe-sync call drains, answers, and
-- then watches the queue for the rest of the minute as a background task of the function
-- (supabase/functions/_shared/sync/watch.ts), kicking a fresh drain when a dead worker's messages are
-- visible again. The job itself ends at once again.

select cron.schedule('stripe-sync-drain', '* * * * *',
  $$select billing.service_role_invoke_function('stripe-sync', '{"trigger": "cron", "watchSeconds": 55}'::jsonb)$$);

drop procedure billing.service_role_drain_loop(integer, integer);
drop function billing._sync_messages_returned();
