-- The durable workflow engine's state (Inngest's semantics on Postgres): one run per (workflow,
-- trigger key), each step's result stored once per (run, step id), sleeps and internal events kept as
-- rows with the time they are due. The runner (supabase/functions/_shared/workflows/) claims due runs
-- with `for update skip locked`; pg_cron resumes them through the stripe-sync function.

create table billing.workflow_runs (
  id uuid primary key default gen_random_uuid(),
  workflow_id text not null,
  trigger_key text not null,
  event_name text not null,
  event jsonb not null,
  status text not null default 'queued'
    check (status in ('queued', 'running', 'sleeping', 'completed', 'failed', 'cancelled')),
  attempts integer not null default 0,
  max_attempts integer not null default 4 check (max_attempts >= 1),
  wake_at timestamptz not null default now(),
  lease_until timestamptz,
  cancel_key text,
  sleeping_step text,
  failed_step text,
  last_error text,
  result jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  completed_at timestamptz,
  unique (workflow_id, trigger_key)
);
alter table billing.workflow_runs enable row level security;
create index workflow_runs_due_idx on billing.workflow_runs (wake_at) where status in ('queued', 'sleeping', 'running');
create index workflow_runs_cancel_idx on billing.workflow_runs (workflow_id, cancel_key) where cancel_key is not null;
comment on table billing.workflow_runs is 'One run of a workflow per trigger key: a duplicate trigger never starts a second run.';
comment on column billing.workflow_runs.wake_at is 'When the run may execute next: now for queued runs, the end of a sleep, or a retry''s backoff.';
comment on column billing.workflow_runs.lease_until is 'While running: a worker that dies leaves the run claimable again after this time.';
comment on column billing.workflow_runs.cancel_key is 'Runs (and scheduled events) with this key are cancelled by the events the workflow lists in cancelOn.';

create table billing.workflow_steps (
  run_id uuid not null references billing.workflow_runs (id) on delete cascade,
  step_id text not null,
  result jsonb,
  completed_at timestamptz not null default now(),
  primary key (run_id, step_id)
);
alter table billing.workflow_steps enable row level security;
comment on table billing.workflow_steps is 'Memoized step results: a retried or resumed run reuses them instead of running the step again.';

create table billing.workflow_events (
  id uuid primary key default gen_random_uuid(),
  name text not null,
  key text not null unique,
  data jsonb not null default '{}'::jsonb,
  deliver_at timestamptz not null,
  cancel_keys text[] not null default '{}',
  source_run_id uuid references billing.workflow_runs (id) on delete set null,
  created_at timestamptz not null default now(),
  delivered_at timestamptz,
  cancelled_at timestamptz
);
alter table billing.workflow_events enable row level security;
create index workflow_events_due_idx on billing.workflow_events (deliver_at) where delivered_at is null and cancelled_at is null;
create index workflow_events_cancel_idx on billing.workflow_events using gin (cancel_keys) where delivered_at is null and cancelled_at is null;
comment on table billing.workflow_events is 'Internal events sent by step.sendEvent, delivered at deliver_at to the workflows they trigger.';
comment on column billing.workflow_events.cancel_keys is 'Keys under which the workflows this event would start can be cancelled before it is delivered.';
