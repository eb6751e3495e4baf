-- Private records about organizations: the email outbox (one row per email, unique idempotency key),
-- GDPR exports (stored privately, downloaded only through a signed link), and an audit log.

create table billing.email_outbox (
  id uuid primary key default gen_random_uuid(),
  idempotency_key text not null unique,
  organization_id uuid references public.organizations (id) on delete set null,
  run_id uuid references billing.workflow_runs (id) on delete set null,
  email_type text not null,
  to_email text,
  subject text,
  props jsonb not null default '{}'::jsonb,
  status text not null default 'pending' check (status in ('pending', 'sending', 'sent', 'failed', 'skipped')),
  attempts integer not null default 0,
  next_attempt_at timestamptz not null default now(),
  lease_until timestamptz,
  provider_message_id text,
  last_error text,
  created_at timestamptz not null default now(),
  sent_at timestamptz
);
alter table billing.email_outbox enable row level security;
create index email_outbox_due_idx on billing.email_outbox (next_attempt_at) where status in ('pending', 'sending');
create index email_outbox_organization_idx on billing.email_outbox (organization_id);
comment on table billing.email_outbox is 'Every customer email: written once per idempotency key (also sent to the provider), retried until sent.';
comment on column billing.email_outbox.status is 'pending | sending (leased by a worker) | sent | failed (gave up) | skipped (email type switched off).';

create table billing.organization_exports (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  data jsonb not null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  downloads integer not null default 0,
  last_downloaded_at timestamptz
);
alter table billing.organization_exports enable row level security;
create index organization_exports_organization_idx on billing.organization_exports (organization_id);
comment on table billing.organization_exports is 'GDPR exports of organizations, served only through HMAC-signed links that expire.';

create table billing.audit_log (
  id bigserial primary key,
  at timestamptz not null default now(),
  actor text not null default current_user,
  action text not null,
  organization_id uuid,
  detail jsonb not null default '{}'::jsonb
);
alter table billing.audit_log enable row level security;
create index audit_log_organization_idx on billing.audit_log (organization_id, at);
comment on table billing.audit_log is 'Who did what to an organization''s data: exports, downloads, deletions.';

create view ops.email_outbox as
  select id, email_type, to_email, subject, status, attempts, next_attempt_at, provider_message_id, last_error, created_at, sent_at,
    organization_id, idempotency_key
  from billing.email_outbox order by created_at desc;
comment on view ops.email_outbox is 'Every email with its delivery state; failed ones show their last error.';

create view ops.audit_log as select * from billing.audit_log order by at desc;
comment on view ops.audit_log is 'Exports, downloads and deletions of organizations'' data.';
