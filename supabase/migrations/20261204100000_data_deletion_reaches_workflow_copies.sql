-- Deleting an organization's personal data (service_role_delete_organization_data) reached the mirror,
-- the outbox and the inbox's payloads, but not the workflows' copies: each run keeps the object of the
-- Stripe event that started it (billing.workflow_runs.event: an invoice's customer_email, customer_name
-- and customer_address, a customer.updated's whole customer), and its steps' results and its own result
-- keep what it read (invoice-paid, payment-failed and subscription-cancelled memoize the organization's
-- name and billing email). A sync of one of the organization's customers that was in flight during the
-- deletion could also hand events to the workflows after the deletion, with the payloads it had read at
-- its peek, before they were redacted.
--
-- Now the deletion
--   1. first takes the sync's lock of each of the organization's customers (the key sync/syncer.ts takes,
--      one writer per customer): a sync in flight commits first, and a sync after it reads redacted payloads;
--   2. strips the finished runs of those customers (completed, failed, cancelled): the object and
--      previous_attributes of their event, their steps' results and their result.
-- A run not finished then (queued, sleeping, running) still needs its event and steps to run; it is
-- stripped the same way when it finishes, by a trigger that looks its customer's organization up only at
-- that transition (about 8 us per finished run: 2,000 completions took 16 ms without it, 32-38 ms with
-- it), and so is a run that a late event of those customers starts. data-deletion's own runs
-- are left as they are: their event holds ids, their results a boolean or a reason.
--
-- And the mirror no longer takes the person back: a later sync of one of those customers (a late event, a
-- reconcile; Stripe still has the customer) wrote its email, name, metadata and raw object into
-- public.stripe_customers again. billing._apply_customer now keeps the row without them (only the
-- organization is read once more, by its primary key).

create function billing._workflow_run_stripped(p_event jsonb) returns jsonb
language plpgsql
immutable
set search_path = ''
as $$
begin
  if jsonb_typeof(p_event -> 'data') <> 'object' or not (p_event -> 'data' ?| array['object', 'previous_attributes']) then
    return p_event;
  end if;
  return jsonb_set(p_event, '{data}', ((p_event -> 'data') - 'object' - 'previous_attributes') || '{"redacted": true}'::jsonb);
end
$$;
comment on function billing._workflow_run_stripped(jsonb) is
  'A workflow run''s event without what Stripe sent (data.object, data.previous_attributes), marked redacted; its ids kept.';

create function billing._strip_workflow_runs_of(p_customers text[]) returns integer
language plpgsql
set search_path = ''
as $$
declare
  v_runs uuid[];
begin
  select coalesce(array_agg(id), '{}') into v_runs from billing.workflow_runs
  where event -> 'data' ->> 'customerId' = any(p_customers)
    and status in ('completed', 'failed', 'cancelled')
    and workflow_id <> 'data-deletion';
  update billing.workflow_runs
  set event = billing._workflow_run_stripped(event),
      result = case when result is null then null else '{"redacted": true}'::jsonb end
  where id = any(v_runs);
  update billing.workflow_steps set result = '{"redacted": true}'::jsonb
  where run_id = any(v_runs) and result is distinct from '{"redacted": true}'::jsonb;
  return cardinality(v_runs);
end
$$;
comment on function billing._strip_workflow_runs_of(text[]) is
  'Strips the finished runs of these customers (their event, steps'' results and result; data-deletion''s excepted); returns how many. Scans the runs: once per deleted organization, not on a hot path.';

create function billing.tg_workflow_runs__strip_deleted() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.workflow_id <> 'data-deletion' and exists (
    select 1 from public.stripe_customers c join public.organizations o on o.id = c.organization_id
    where c.id = new.event -> 'data' ->> 'customerId' and o.deleted_at is not null
  ) then
    new.event := billing._workflow_run_stripped(new.event);
    new.result := case when new.result is null then null else '{"redacted": true}'::jsonb end;
    update billing.workflow_steps set result = '{"redacted": true}'::jsonb where run_id = new.id;
  end if;
  return new;
end
$$;
comment on function billing.tg_workflow_runs__strip_deleted() is
  'When a run of a customer whose organization''s data was deleted finishes, strips what Stripe sent from its event, and its steps'' results and result.';

create trigger strip_deleted before update of status on billing.workflow_runs
  for each row
  when (new.status in ('completed', 'failed', 'cancelled') and old.status not in ('completed', 'failed', 'cancelled'))
  execute function billing.tg_workflow_runs__strip_deleted();
comment on trigger strip_deleted on billing.workflow_runs is
  'A run that finishes after its organization''s data was deleted keeps no copy of what Stripe sent.';

create or replace function billing.service_role_delete_organization_data(p_organization_id uuid) returns boolean
language plpgsql
set search_path = ''
as $$
declare
  v_customers text[];
begin
  -- Idempotent: an organization already deleted is left exactly as it is (no second audit row).
  if not exists (select 1 from public.organizations where id = p_organization_id and deleted_at is null) then
    return false;
  end if;
  -- Its customers in the mirror, and the one it names (a customer whose first sync is still in flight).
  select coalesce(array_agg(id order by id), '{}') into v_customers from (
    select id from public.stripe_customers where organization_id = p_organization_id
    union
    select stripe_customer_id from public.organizations where id = p_organization_id and stripe_customer_id is not null
  ) c;
  -- The sync's lock of each customer, in one order (no deadlock between two deletions): a sync in flight
  -- hands its events over before the payloads below are redacted, and the next one reads them redacted.
  perform pg_advisory_xact_lock(hashtextextended('stripe:customer:' || c, 0)) from unnest(v_customers) c;

  delete from public.organization_members where organization_id = p_organization_id;
  delete from billing.organization_exports where organization_id = p_organization_id;
  update billing.email_outbox set to_email = null, props = '{}'::jsonb, subject = null where organization_id = p_organization_id;
  update public.stripe_customers set email = null, name = null, user_id = null, metadata = '{}'::jsonb, raw = null
  where id = any(v_customers);
  -- The inbox keeps the event, not the personal data Stripe put in its payload.
  update billing.stripe_events set payload = jsonb_build_object('id', id, 'type', type, 'redacted', true)
  where customer_id = any(v_customers) and not (payload ? 'redacted');
  -- Nor do the workflows' runs (their unfinished ones when they finish: strip_deleted).
  perform billing._strip_workflow_runs_of(v_customers);
  update public.organizations set name = 'Deleted organization', billing_email = null, billing_status = 'deleted',
    plan_limits = '{}'::jsonb, deleted_at = now(), updated_at = now()
  where id = p_organization_id;
  -- Invoices (public.stripe_invoices) are kept: tax law requires the records.
  insert into billing.audit_log (action, organization_id, detail)
  values ('organization.data_deleted', p_organization_id, jsonb_build_object('stripe_customers', v_customers, 'invoices_kept',
    (select count(*) from public.stripe_invoices where organization_id = p_organization_id)));
  return true;
end
$$;
comment on function billing.service_role_delete_organization_data(uuid) is
  'Removes an organization''s personal data (members, exports, emails in logs, payloads and workflow runs), keeps invoices, marks it deleted; true on the first run only.';

revoke execute on function billing._workflow_run_stripped(jsonb) from public, anon, authenticated;
revoke execute on function billing._strip_workflow_runs_of(text[]) from public, anon, authenticated;

create or replace function billing._apply_customer(p_customer_id text, p_customer jsonb, p_fetched_at timestamptz) returns uuid
language plpgsql
set search_path = ''
as $$
declare
  v_deleted boolean;
  v_org uuid;
  v_user uuid;
  v_erased boolean;
begin
  -- Deleted in Stripe: p_customer is null, or the last snapshot Stripe sent of it with `deleted: true`
  -- (the sync takes it from the inbox: Stripe answers a deleted customer with its id alone).
  v_deleted := p_customer is null or coalesce((p_customer ->> 'deleted')::boolean, false);
  v_user := billing._uuid(p_customer #>> '{metadata,user_id}');
  if v_user is not null and not exists (select 1 from auth.users where id = v_user) then
    v_user := null;
  end if;
  v_org := coalesce(
    (select id from public.organizations where id = billing._uuid(p_customer #>> '{metadata,organization_id}')),
    (select id from public.organizations where stripe_customer_id = p_customer_id),
    (select organization_id from public.stripe_customers where id = p_customer_id)
  );
  -- Its organization's personal data was deleted (service_role_delete_organization_data): the mirror keeps
  -- the customer's row, not what Stripe still holds of the person (a later event or a reconcile fetches it).
  v_erased := v_org is not null and exists (select 1 from public.organizations where id = v_org and deleted_at is not null);
  if v_erased then
    v_user := null;
    p_customer := jsonb_build_object('id', p_customer_id, 'deleted', v_deleted);
  end if;
  if v_deleted then
    -- Keep the row, marked deleted, with what the mirror knew (newer than any snapshot) or else the snapshot.
    insert into public.stripe_customers as t (id, organization_id, user_id, email, name, metadata, deleted, raw, stripe_fetched_at)
    values (p_customer_id, v_org, v_user, p_customer ->> 'email', p_customer ->> 'name', coalesce(p_customer -> 'metadata', '{}'),
      true, case when v_erased then null else p_customer end, p_fetched_at)
    on conflict (id) do update set
      organization_id = coalesce(t.organization_id, excluded.organization_id), user_id = coalesce(t.user_id, excluded.user_id),
      email = coalesce(t.email, excluded.email), name = coalesce(t.name, excluded.name), deleted = true,
      stripe_fetched_at = excluded.stripe_fetched_at
    where t.stripe_fetched_at <= excluded.stripe_fetched_at;
  else
    insert into public.stripe_customers as t (id, organization_id, user_id, email, name, metadata, deleted, raw, stripe_fetched_at)
    values (p_customer_id, v_org, v_user, p_customer ->> 'email', p_customer ->> 'name', coalesce(p_customer -> 'metadata', '{}'),
      false, case when v_erased then null else p_customer end, p_fetched_at)
    on conflict (id) do update set
      organization_id = coalesce(excluded.organization_id, t.organization_id), user_id = coalesce(excluded.user_id, t.user_id),
      email = excluded.email, name = excluded.name, metadata = excluded.metadata, deleted = false, raw = excluded.raw,
      stripe_fetched_at = excluded.stripe_fetched_at
    where t.stripe_fetched_at <= excluded.stripe_fetched_at;
  end if;
  if v_org is not null then
    perform billing.service_role_link_customer(v_org, p_customer_id, null);
  end if;
  return v_org;
end
$$;
comment on function billing._apply_customer(text, jsonb, timestamptz) is
  'Writes a customer''s row of the mirror (never older over newer); without the person''s data once its organization''s data was deleted.';
