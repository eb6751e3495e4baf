-- One builder of the stripe_events queue message: the inbox trigger, a replay, a customer resync, a
-- seat change and the backfill (TypeScript) all queued a message they built themselves, five copies of
-- one shape the sync worker validates (sync/queue.ts). Now each calls billing.sync_queue_message, and
-- so do the tests and dev tools that put messages on a queue. The functions that built one are restated
-- whole below (a landed migration can't be edited); only their message changes, to the builder's call.

/*
 * The message the sync worker reads to route work: which event (null for work that is not a Stripe
 * event: a resync, a seat change, a backfill), its type, the customer to sync and the object. `replay`
 * is present, and true, only on a replayed event, as before.
 */
create function billing.sync_queue_message(p_type text, p_customer_id text, p_object_id text, p_event_id text default null,
  p_replay boolean default false) returns jsonb
language sql
immutable
set search_path = ''
as $$
  select jsonb_build_object('event_id', p_event_id, 'type', p_type, 'customer_id', p_customer_id, 'object_id', p_object_id)
    || case when p_replay then '{"replay": true}'::jsonb else '{}'::jsonb end
$$;
comment on function billing.sync_queue_message(text, text, text, text, boolean) is
  'The one builder of a stripe_events queue message (event_id, type, customer_id, object_id, and replay when replayed).';
revoke execute on function billing.sync_queue_message(text, text, text, text, boolean) from public, anon, authenticated;
grant execute on function billing.sync_queue_message(text, text, text, text, boolean) to service_role;

-- Changed: a recorded event's message comes from the builder.
create or replace function billing.stripe_event_message(p_event billing.stripe_events) returns jsonb
language sql
immutable
set search_path = ''
as $$
  select billing.sync_queue_message(p_event.type, p_event.customer_id, p_event.object_id, p_event.id)
$$;

-- Changed: a replay's message comes from the builder.
create or replace function ops.replay_event(p_event_id text) returns bigint
language plpgsql
set search_path = ''
as $$
declare
  v_event billing.stripe_events;
  v_msg_id bigint;
begin
  select * into v_event from billing.stripe_events where id = p_event_id for update;
  if not found then
    raise exception 'no Stripe event %', p_event_id using errcode = 'P0002';
  end if;
  update billing.stripe_events set status = 'pending', attempts = 0, last_error = null, processed_at = null
  where id = p_event_id;
  select pgmq.send('stripe_events', billing.sync_queue_message(v_event.type, v_event.customer_id, v_event.object_id, v_event.id, true))
  into v_msg_id;
  return v_msg_id;
end
$$;

-- Changed: a resync's message comes from the builder.
create or replace function ops.resync_customer(p_customer_id text) returns bigint
language sql
set search_path = ''
as $$
  select pgmq.send('stripe_events', billing.sync_queue_message('ops.resync', p_customer_id, p_customer_id))
$$;

-- Changed: a seat change's message comes from the builder.
create or replace function billing.enqueue_seat_sync(p_organization_id uuid) returns void
language plpgsql
set search_path = ''
as $$
declare
  v_customer text;
  v_pending bigint;
begin
  select o.stripe_customer_id into v_customer from public.organizations o
  where o.id = p_organization_id and o.stripe_subscription_id is not null and billing.price_is_per_seat(o.price_id);
  if v_customer is null then
    return;
  end if;
  insert into billing.seat_syncs as s (organization_id, change_seq, changed_at) values (p_organization_id, 1, now())
  on conflict (organization_id) do update set change_seq = s.change_seq + 1, changed_at = now()
  returning s.change_seq - s.applied_seq into v_pending;
  perform pgmq.send('stripe_events', billing.sync_queue_message('seats.quantity', v_customer, p_organization_id::text));
  if v_pending = 1 then
    begin
      perform billing.service_role_invoke_function('stripe-sync', '{"trigger": "seats"}'::jsonb);
    exception when others then
      raise warning 'seat change of organization %: stripe-sync not kicked (%); the drain job will pick it up', p_organization_id, sqlerrm;
    end;
  end if;
end
$$;
