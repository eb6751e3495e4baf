-- Timed work an admin can see: one named cron job per kind (26_cron_jobs lists every job and schedule), the drain without it,
-- ops.scheduled_work, and the audited ops functions that cancel or reschedule one item.
begin;
select plan(20);

select results_eq(
  $$ select k.kind, (j.command::text like '%"mode": "run-due", "work": "' || k.kind || '"%') from billing.timed_work_kinds k
     join cron.job j on j.jobname = k.cron_job order by k.kind $$,
  $$ values ('data-deletions', true), ('payment-reminders', true), ('trial-reminders', true) $$,
  'each timed job asks stripe-sync for its own kind only (the kinds the runner knows: TIMED_WORK in scope.ts)');
select ok((select command from cron.job where jobname = 'stripe-sync-drain') not like '%run-due%',
  'the drain job runs no timed work');

-- Scheduled items of every kind, of one organization.
insert into public.organizations (id, name, stripe_customer_id) values ('0e000000-0000-4000-8000-000000000026', 'Timed Org', 'cus_timed_26');
insert into billing.workflow_events (id, name, key, data, deliver_at) values
  ('0e000000-0000-4000-8000-0000000000e1', 'trial/expiration-reminder', 'test-26:trial',
   '{"subscriptionId": "sub_t26", "organizationId": "0e000000-0000-4000-8000-000000000026", "customerId": "cus_timed_26", "trialEnd": 1798761600}',
   now() + interval '3 days'),
  ('0e000000-0000-4000-8000-0000000000e2', 'data/deletion.scheduled', 'test-26:deletion',
   '{"subscriptionId": "sub_t26", "organizationId": "0e000000-0000-4000-8000-000000000026", "customerId": "cus_timed_26"}',
   now() + interval '30 days');
insert into billing.workflow_runs (id, workflow_id, trigger_key, event_name, event, status, wake_at, sleeping_step) values
  ('0e000000-0000-4000-8000-0000000000a1', 'payment-failed', 'test-26:invoice', 'invoice.payment_failed',
   '{"name": "invoice.payment_failed", "id": "evt_t26", "ts": 0, "data": {"object": {"id": "in_t26"}, "customerId": "cus_timed_26"}}',
   'sleeping', now() + interval '2 days', 'wait-for-retry-reminder');
insert into billing.workflow_steps (run_id, step_id, result) values
  ('0e000000-0000-4000-8000-0000000000a1', 'wait-for-retry-reminder', jsonb_build_object('until', now() + interval '2 days'));

select results_eq(
  $$ select kind, cron_job, action, organization_name, why from ops.scheduled_work where organization_id = '0e000000-0000-4000-8000-000000000026' order by due_at $$,
  $$ values
     ('payment-reminders', 'billing-payment-reminders', 'payment reminder', 'Timed Org',
      'Reminder with help, sent when the dunning wait ends if the failed invoice is still unpaid: payment of invoice in_t26 failed'),
     ('trial-reminders', 'billing-trial-reminders', 'trial reminder', 'Timed Org',
      'Trial-ending email, sent unless the subscription is no longer trialing: trial of sub_t26 ends 2027-01-01 00:00 UTC'),
     ('data-deletions', 'billing-data-deletions', 'data deletion', 'Timed Org',
      'Deletion of the organization''s personal data after cancellation, unless it subscribed again: subscription sub_t26 was cancelled') $$,
  'ops.scheduled_work lists each item with its organization, action, job and why, soonest first');

-- Cancel one.
select throws_ok($$ select ops.cancel_scheduled_work('0e000000-0000-4000-8000-0000000000e2', ' ') $$, '22023', null, 'cancelling needs a reason');
select lives_ok($$ select ops.cancel_scheduled_work('0e000000-0000-4000-8000-0000000000e2', 'customer asked to keep data (ticket 26)') $$,
  'a scheduled data deletion is cancelled');
select isnt((select cancelled_at from billing.workflow_events where id = '0e000000-0000-4000-8000-0000000000e2'), null, 'its event is cancelled');
select is((select count(*)::int from ops.scheduled_work where id = '0e000000-0000-4000-8000-0000000000e2'), 0, 'and no longer listed');
select results_eq(
  $$ select action, organization_id, detail ->> 'kind', detail ->> 'reason' from billing.audit_log
     where detail ->> 'item_id' = '0e000000-0000-4000-8000-0000000000e2' $$,
  $$ values ('scheduled_work.cancelled', '0e000000-0000-4000-8000-000000000026'::uuid, 'data-deletions', 'customer asked to keep data (ticket 26)') $$,
  'the cancellation is in the audit log with the organization, kind and reason');
select throws_ok($$ select ops.cancel_scheduled_work('0e000000-0000-4000-8000-0000000000e2', 'again') $$, 'P0002', null,
  'an item that is no longer pending cannot be changed');

-- Reschedule a scheduled event and a sleeping run (its memoized sleep moves with it).
select lives_ok($$ select ops.reschedule_scheduled_work('0e000000-0000-4000-8000-0000000000e1', '2026-12-24 09:00+00', 'send before the holidays') $$,
  'a trial reminder is rescheduled');
select is((select deliver_at from billing.workflow_events where id = '0e000000-0000-4000-8000-0000000000e1'), '2026-12-24 09:00+00'::timestamptz,
  'its event is due at the new time');
select lives_ok($$ select ops.reschedule_scheduled_work('0e000000-0000-4000-8000-0000000000a1', now() - interval '1 minute', 'remind now') $$,
  'a sleeping payment reminder is rescheduled');
select is((select wake_at from billing.workflow_runs where id = '0e000000-0000-4000-8000-0000000000a1'), now() - interval '1 minute', 'the run wakes at the new time');
select is((select (result ->> 'until')::timestamptz from billing.workflow_steps where run_id = '0e000000-0000-4000-8000-0000000000a1'),
  now() - interval '1 minute', 'and its memoized sleep ends then too');
select results_eq(
  $$ select action, detail ->> 'kind', (detail ->> 'new_due_at')::timestamptz from billing.audit_log
     where detail ->> 'item_id' in ('0e000000-0000-4000-8000-0000000000e1', '0e000000-0000-4000-8000-0000000000a1') order by id $$,
  $$ values ('scheduled_work.rescheduled', 'trial-reminders', '2026-12-24 09:00+00'::timestamptz),
            ('scheduled_work.rescheduled', 'payment-reminders', now() - interval '1 minute') $$,
  'each reschedule is audited with the new time');
select throws_ok($$ select ops.reschedule_scheduled_work('0e000000-0000-4000-8000-0000000000e1', null, 'x') $$, '22023', null,
  'rescheduling needs a time');
select throws_ok($$ select ops.cancel_scheduled_work('0e000000-0000-4000-8000-0000000000ff', 'x') $$, 'P0002', null,
  'an unknown item is a clear error');

-- Cancelling a sleeping run.
select lives_ok($$ select ops.cancel_scheduled_work('0e000000-0000-4000-8000-0000000000a1', 'invoice settled by bank transfer') $$,
  'a sleeping payment reminder is cancelled');
select is((select status from billing.workflow_runs where id = '0e000000-0000-4000-8000-0000000000a1'), 'cancelled', 'its run is cancelled');

select ok(not has_function_privilege('service_role', 'ops.cancel_scheduled_work(uuid, text)', 'execute')
  and not has_function_privilege('authenticated', 'ops.reschedule_scheduled_work(uuid, timestamptz, text)', 'execute'),
  'no API role can change scheduled work');

select * from finish();
rollback;
