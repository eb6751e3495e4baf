-- The Stripe event inbox: every verified webhook event is recorded here, keyed by its event id, and
-- enqueued on the `stripe_events` pgmq queue in the same transaction. The sync worker reads the queue;
-- the row keeps the event's status, attempts and last error for Studio and for replays.

create schema if not exists billing;
revoke all on schema billing from public, anon, authenticated;
grant usage on schema billing to service_role;
alter default privileges in schema billing revoke execute on functions from public;

create table billing.stripe_events (
  id text primary key check (id like 'evt_%'),
  type text not null,
  api_version text,
  api_version_mismatch boolean not null default false,
  account text,
  livemode boolean not null,
  created timestamptz not null,
  object_type text,
  object_id text,
  customer_id text,
  payload jsonb not null,
  verified_by text not null,
  received_at timestamptz not null default now(),
  processed_at timestamptz,
  status text not null default 'pending' check (status in ('pending', 'processed', 'failed', 'dead')),
  attempts integer not null default 0,
  last_error text
);
alter table billing.stripe_events enable row level security;
create index stripe_events_customer_idx on billing.stripe_events (customer_id, created);
create index stripe_events_status_idx on billing.stripe_events (status, received_at) where status <> 'processed';
create index stripe_events_received_idx on billing.stripe_events (received_at);

comment on table billing.stripe_events is
  'Inbox of verified Stripe webhook events, one row per event id (duplicates are acknowledged, not stored twice).';
comment on column billing.stripe_events.api_version_mismatch is
  'True when the event was rendered for another API version than the one the product pins.';
comment on column billing.stripe_events.customer_id is
  'Stripe customer the event concerns (routing only: the sync fetches the customer''s current state).';
comment on column billing.stripe_events.verified_by is
  'Which configured webhook secret verified the signature: its position and a fingerprint, never the secret.';
comment on column billing.stripe_events.status is
  'pending until synced; processed; failed while being retried; dead after too many reads (see ops views).';

select pgmq.create('stripe_events');

create function billing.tg_stripe_events__enqueue() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  -- Same transaction as the insert: the event is queued exactly when it is recorded.
  perform pgmq.send(
    'stripe_events',
    jsonb_build_object('event_id', new.id, 'type', new.type, 'customer_id', new.customer_id, 'object_id', new.object_id)
  );
  return new;
end
$$;
comment on function billing.tg_stripe_events__enqueue() is 'Queues each newly recorded event for the sync worker.';

create trigger stripe_events_enqueue after insert on billing.stripe_events
  for each row execute function billing.tg_stripe_events__enqueue();

create function billing.service_role_record_stripe_event(
  p_id text,
  p_type text,
  p_api_version text,
  p_api_version_mismatch boolean,
  p_account text,
  p_livemode boolean,
  p_created timestamptz,
  p_object_type text,
  p_object_id text,
  p_customer_id text,
  p_payload jsonb,
  p_verified_by text
) returns boolean
language sql
set search_path = ''
as $$
  with inserted as (
    insert into billing.stripe_events (id, type, api_version, api_version_mismatch, account, livemode, created,
      object_type, object_id, customer_id, payload, verified_by)
    values (p_id, p_type, p_api_version, p_api_version_mismatch, p_account, p_livemode, p_created,
      p_object_type, p_object_id, p_customer_id, p_payload, p_verified_by)
    on conflict (id) do nothing
    returning 1
  )
  select exists (select 1 from inserted)
$$;
comment on function billing.service_role_record_stripe_event(text, text, text, boolean, text, boolean, timestamptz, text, text, text, jsonb, text) is
  'Records a verified event; returns false for a duplicate delivery (nothing written, nothing enqueued).';
revoke execute on function billing.service_role_record_stripe_event(text, text, text, boolean, text, boolean, timestamptz, text, text, text, jsonb, text) from public, anon, authenticated;
grant execute on function billing.service_role_record_stripe_event(text, text, text, boolean, text, boolean, timestamptz, text, text, text, jsonb, text) to service_role;
