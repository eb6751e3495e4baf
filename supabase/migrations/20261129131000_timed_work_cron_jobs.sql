-- Timed work an admin can see: each kind (payment reminders, trial reminders, data deletions) gets its
-- own pg_cron job that runs only that kind's due work through stripe-sync (mode run-due, work <kind>),
-- so Studio's Cron screen shows what runs when and its history; the drain no longer runs them.
-- billing.timed_work_kinds says which scheduled events and which workflow sleeps belong to a kind: the
-- runner (supabase/functions/_shared/workflows/scope.ts), the jobs and ops.scheduled_work read it.
-- ops.scheduled_work lists what is scheduled; ops.cancel_scheduled_work and
-- ops.reschedule_scheduled_work change one item, recorded in billing.audit_log.

create table billing.timed_work_kinds (
  kind text primary key,
  cron_job text not null unique,
  action text not null,
  event_names text[] not null default '{}',
  sleeping_workflow_ids text[] not null default '{}',
  description text not null
);
alter table billing.timed_work_kinds enable row level security;
comment on table billing.timed_work_kinds is 'Each kind of timed work, the pg_cron job that runs it, and the scheduled events and workflow sleeps it owns.';
comment on column billing.timed_work_kinds.event_names is 'Scheduled internal events (billing.workflow_events.name) this job delivers; it also runs the runs they start.';
comment on column billing.timed_work_kinds.sleeping_workflow_ids is 'Workflows whose sleeping runs this job wakes.';

insert into billing.timed_work_kinds (kind, cron_job, action, event_names, sleeping_workflow_ids, description) values
  ('payment-reminders', 'billing-payment-reminders', 'payment reminder', '{}', '{payment-failed}',
   'Reminder with help, sent when the dunning wait ends if the failed invoice is still unpaid'),
  ('trial-reminders', 'billing-trial-reminders', 'trial reminder', '{trial/expiration-reminder}', '{}',
   'Trial-ending email, sent unless the subscription is no longer trialing'),
  ('data-deletions', 'billing-data-deletions', 'data deletion', '{data/deletion.scheduled}', '{}',
   'Deletion of the organization''s personal data after cancellation, unless it subscribed again');

-- A few words on one item, from what its workflow stored (the kind says the rest).
create function billing._scheduled_work_why(p_kind text, p_data jsonb) returns text
language sql
stable
set search_path = ''
as $$
  select case p_kind
    when 'payment-reminders' then 'payment of invoice ' || coalesce(p_data #>> '{object,id}', '?') || ' failed'
    when 'trial-reminders' then 'trial of ' || coalesce(p_data ->> 'subscriptionId', '?') || ' ends '
      || coalesce(to_char(to_timestamp((p_data ->> 'trialEnd')::double precision) at time zone 'UTC', 'YYYY-MM-DD HH24:MI "UTC"'), '?')
    when 'data-deletions' then 'subscription ' || coalesce(p_data ->> 'subscriptionId', '?') || ' was cancelled'
    else 'scheduled by a workflow'
  end
$$;
comment on function billing._scheduled_work_why(text, jsonb) is 'Why an item of ops.scheduled_work is scheduled, in a few words.';
revoke execute on function billing._scheduled_work_why(text, jsonb) from public, anon, authenticated, service_role;

create function billing._uuid_or_null(p_text text) returns uuid
language sql
immutable
set search_path = ''
as $$
  select case when p_text ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then p_text::uuid end
$$;
comment on function billing._uuid_or_null(text) is 'The text as a uuid, or null when it is not one (event data is JSON).';
revoke execute on function billing._uuid_or_null(text) from public, anon, authenticated, service_role;

create view ops.scheduled_work as
  select e.id, 'scheduled event'::text as source, coalesce(k.kind, 'other') as kind, k.cron_job,
    coalesce(k.action, e.name) as action,
    o.id as organization_id, o.name as organization_name, e.deliver_at as due_at,
    coalesce(k.description || ': ', '') || billing._scheduled_work_why(k.kind, e.data) as why,
    e.created_at as scheduled_at
  from billing.workflow_events e
  left join billing.timed_work_kinds k on e.name = any(k.event_names)
  left join public.organizations o on o.id = billing._uuid_or_null(e.data ->> 'organizationId')
  where e.delivered_at is null and e.cancelled_at is null
  union all
  select r.id, 'sleeping run', coalesce(k.kind, 'other'), k.cron_job,
    coalesce(k.action, r.workflow_id || ' wakes'),
    o.id, o.name, r.wake_at,
    coalesce(k.description || ': ', '') || billing._scheduled_work_why(k.kind, r.event -> 'data'),
    r.created_at
  from billing.workflow_runs r
  left join billing.timed_work_kinds k on r.workflow_id = any(k.sleeping_workflow_ids)
  left join public.organizations o on o.stripe_customer_id = r.event #>> '{data,customerId}'
  where r.status = 'sleeping'
  order by due_at;
comment on view ops.scheduled_work is
  'Everything scheduled (organization, action, due time, why) and the cron job that will run it; change one item with ops.cancel_scheduled_work or ops.reschedule_scheduled_work.';

-- Both changes: lock the pending item, apply, audit. p_due_at null cancels.
create function billing._change_scheduled_work(p_id uuid, p_due_at timestamptz, p_reason text) returns void
language plpgsql
set search_path = ''
as $$
declare
  v_item record;
  v_action text := case when p_due_at is null then 'scheduled_work.cancelled' else 'scheduled_work.rescheduled' end;
begin
  if coalesce(btrim(p_reason), '') = '' then
    raise exception 'give a reason: it is recorded in ops.audit_log' using errcode = '22023';
  end if;
  select * into v_item from ops.scheduled_work where id = p_id;
  if not found then
    raise exception 'nothing pending is scheduled with id % (see ops.scheduled_work)', p_id using errcode = 'P0002';
  end if;
  if v_item.source = 'scheduled event' then
    update billing.workflow_events
    set cancelled_at = case when p_due_at is null then now() end, deliver_at = coalesce(p_due_at, deliver_at)
    where id = p_id and delivered_at is null and cancelled_at is null;
  elsif p_due_at is null then
    update billing.workflow_runs
    set status = 'cancelled', lease_until = null, updated_at = now(), last_error = 'cancelled by ' || current_user || ': ' || p_reason
    where id = p_id and status = 'sleeping';
  else
    -- The sleep's end is memoized in its step: move both, or the run would go back to sleep until the old time.
    update billing.workflow_steps s set result = jsonb_build_object('until', to_jsonb(p_due_at))
    from billing.workflow_runs r
    where r.id = p_id and r.status = 'sleeping' and s.run_id = r.id and s.step_id = r.sleeping_step;
    update billing.workflow_runs set wake_at = p_due_at, updated_at = now() where id = p_id and status = 'sleeping';
  end if;
  if not found then
    raise exception 'scheduled item % changed meanwhile; look again', p_id using errcode = '40001';
  end if;
  insert into billing.audit_log (action, organization_id, detail)
  values (v_action, v_item.organization_id, jsonb_build_object('item_id', p_id, 'source', v_item.source, 'kind', v_item.kind,
    'action', v_item.action, 'due_at', v_item.due_at, 'new_due_at', p_due_at, 'reason', p_reason));
end
$$;
comment on function billing._change_scheduled_work(uuid, timestamptz, text) is 'Cancels (p_due_at null) or reschedules one pending item of ops.scheduled_work and audits it.';
revoke execute on function billing._change_scheduled_work(uuid, timestamptz, text) from public, anon, authenticated, service_role;

create function ops.cancel_scheduled_work(p_id uuid, p_reason text) returns void
language sql
set search_path = ''
as $$ select billing._change_scheduled_work(p_id, null, p_reason) $$;
comment on function ops.cancel_scheduled_work(uuid, text) is
  'Cancels one pending item of ops.scheduled_work (a reminder or a data deletion) so it never runs; the reason goes to ops.audit_log.';
revoke execute on function ops.cancel_scheduled_work(uuid, text) from public, anon, authenticated, service_role;

create function ops.reschedule_scheduled_work(p_id uuid, p_due_at timestamptz, p_reason text) returns void
language plpgsql
set search_path = ''
as $$
begin
  if p_due_at is null then
    raise exception 'p_due_at is required (to cancel, use ops.cancel_scheduled_work)' using errcode = '22023';
  end if;
  perform billing._change_scheduled_work(p_id, p_due_at, p_reason);
end
$$;
comment on function ops.reschedule_scheduled_work(uuid, timestamptz, text) is
  'Moves one pending item of ops.scheduled_work to p_due_at (earlier or later); its cron job runs it once due; the reason goes to ops.audit_log.';
revoke execute on function ops.reschedule_scheduled_work(uuid, timestamptz, text) from public, anon, authenticated, service_role;

-- One job per kind, each asking stripe-sync for that kind only. Trial reminders every minute: one is due
-- at once when a trial is shorter than the reminder's lead; the others are due days ahead.
select cron.schedule('billing-payment-reminders', '*/5 * * * *',
  $$select billing.service_role_invoke_function('stripe-sync', '{"trigger": "cron", "mode": "run-due", "work": "payment-reminders"}'::jsonb)$$);
select cron.schedule('billing-trial-reminders', '* * * * *',
  $$select billing.service_role_invoke_function('stripe-sync', '{"trigger": "cron", "mode": "run-due", "work": "trial-reminders"}'::jsonb)$$);
select cron.schedule('billing-data-deletions', '*/15 * * * *',
  $$select billing.service_role_invoke_function('stripe-sync', '{"trigger": "cron", "mode": "run-due", "work": "data-deletions"}'::jsonb)$$);
