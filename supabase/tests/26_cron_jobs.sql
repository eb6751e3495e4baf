-- The pg_cron jobs the product relies on exist, are active, and run on their schedules. The expected
-- jobs are listed once, below: a migration that adds, renames or reschedules a job updates this list.
begin;
select plan(3);

create temp table expected_jobs (jobname text primary key, schedule text not null, command text not null) on commit drop;
insert into expected_jobs values
  ('stripe-sync-drain', '* * * * *',
   $$select billing.service_role_invoke_function('stripe-sync', '{"trigger": "cron", "watchSeconds": 55}'::jsonb)$$),
  ('stripe-sync-reconcile', '17 3 * * *',
   $$select billing.service_role_invoke_function('stripe-sync', '{"trigger": "cron", "mode": "reconcile", "days": 3}'::jsonb)$$),
  ('billing-payment-reminders', '* * * * *',
   $$select billing.service_role_invoke_function('stripe-sync', '{"trigger": "cron", "mode": "run-due", "work": "payment-reminders"}'::jsonb)$$),
  ('billing-trial-reminders', '* * * * *',
   $$select billing.service_role_invoke_function('stripe-sync', '{"trigger": "cron", "mode": "run-due", "work": "trial-reminders"}'::jsonb)$$),
  ('billing-data-deletions', '*/15 * * * *',
   $$select billing.service_role_invoke_function('stripe-sync', '{"trigger": "cron", "mode": "run-due", "work": "data-deletions"}'::jsonb)$$);

select set_eq(
  'select jobname, schedule, command from cron.job',
  'select jobname, schedule, command from expected_jobs',
  'exactly the expected cron jobs exist, with their schedules and commands');
select is((select count(*)::int from cron.job where not active), 0, 'every cron job is active');
select is((select count(*)::int from cron.job where database <> current_database()), 0, 'every cron job runs in this database');

select * from finish();
rollback;
