-- Studio views of workflow runs (running, sleeping until when, failed with error and step, completed)
-- and of scheduled internal events, and ops.retry_workflow_run to resume a failed run from its
-- failed step (finished steps are memoized and not run again).

create view ops.workflow_runs as
  select r.id as run_id, r.workflow_id, r.trigger_key, r.event_name, r.status,
    case when r.status = 'sleeping' then r.wake_at end as sleeping_until,
    r.sleeping_step, r.attempts, r.max_attempts, r.failed_step, r.last_error,
    (select count(*) from billing.workflow_steps s where s.run_id = r.id) as steps_done,
    r.created_at, r.updated_at, r.completed_at
  from billing.workflow_runs r
  order by r.updated_at desc;
comment on view ops.workflow_runs is 'Every workflow run with its state; failed runs show the step and error, sleeping ones when they wake.';

create view ops.workflow_failures as
  select run_id, workflow_id, trigger_key, failed_step, last_error, attempts, updated_at
  from ops.workflow_runs where status = 'failed';
comment on view ops.workflow_failures is 'Failed runs; resume one with ops.retry_workflow_run(run_id).';

create view ops.scheduled_events as
  select id, name, key, deliver_at, cancel_keys, source_run_id, created_at
  from billing.workflow_events
  where delivered_at is null and cancelled_at is null
  order by deliver_at;
comment on view ops.scheduled_events is 'Internal events waiting for their time (trial reminders, data deletions, ...).';

create function ops.retry_workflow_run(p_run_id uuid) returns void
language plpgsql
set search_path = ''
as $$
begin
  update billing.workflow_runs
  set status = 'queued', attempts = 0, wake_at = now(), last_error = null, failed_step = null, lease_until = null, updated_at = now()
  where id = p_run_id and status = 'failed';
  if not found then
    raise exception 'no failed workflow run %', p_run_id using errcode = 'P0002';
  end if;
end
$$;
comment on function ops.retry_workflow_run(uuid) is 'Resumes a failed run from its failed step; steps that finished are reused.';
revoke execute on function ops.retry_workflow_run(uuid) from public, anon, authenticated, service_role;
