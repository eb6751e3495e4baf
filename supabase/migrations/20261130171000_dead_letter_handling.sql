-- Dead letters an operator has dealt with. A dead letter is replayed once its cause is fixed (it then
-- leaves the dead state), but some need no replay: the customer was resynced since (ops.resync_customer),
-- or the event concerns something gone for good. Such a letter is dismissed, with a reason, and stays
-- listed as handled; `npm run doctor` fails only on unhandled ones. When a letter died is kept too.

alter table billing.stripe_events
  add column dead_at timestamptz,
  add column handled_at timestamptz,
  add column handled_by text,
  add column handled_note text;

comment on column billing.stripe_events.dead_at is 'When the event became a dead letter (null unless status = dead).';
comment on column billing.stripe_events.handled_at is
  'When an operator dismissed this dead letter (ops.dismiss_dead_letter); null while it awaits a replay or a decision.';
comment on column billing.stripe_events.handled_by is 'The database role that dismissed the dead letter.';
comment on column billing.stripe_events.handled_note is 'Why the dead letter needs no replay, as the operator wrote it.';

-- Letters dead before this migration: the time of death was not kept; received_at is the nearest bound.
update billing.stripe_events set dead_at = received_at where status = 'dead';

create function billing.tg_stripe_events__dead_letter() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.status = 'dead' and (tg_op = 'INSERT' or old.status is distinct from 'dead') then
    new.dead_at := coalesce(case when tg_op = 'INSERT' then new.dead_at end, now());
    new.handled_at := null;
    new.handled_by := null;
    new.handled_note := null;
  elsif new.status <> 'dead' then
    new.dead_at := null;
    new.handled_at := null;
    new.handled_by := null;
    new.handled_note := null;
  end if;
  return new;
end;
$$;
comment on function billing.tg_stripe_events__dead_letter() is
  'Dates a dead letter when it dies, and makes it unhandled again if it dies again after a replay.';
revoke execute on function billing.tg_stripe_events__dead_letter() from public, anon, authenticated;

create trigger dead_letter before insert or update of status on billing.stripe_events
  for each row execute function billing.tg_stripe_events__dead_letter();
comment on trigger dead_letter on billing.stripe_events is 'Keeps dead_at and the handled_* columns true to the status.';

-- The same columns as before, then when it died and whether (and why) it was dismissed.
create or replace view ops.dead_letters as
  select id as event_id, type, customer_id, object_id, created, received_at, attempts, last_error,
    dead_at, handled_at, handled_by, handled_note
  from billing.stripe_events where status = 'dead'
  order by received_at desc;
comment on view ops.dead_letters is
  'Events that failed too many times; replay with ops.replay_event(id) or ops.retry_dead_letters(), or dismiss one that needs no replay with ops.dismiss_dead_letter(id, reason) (handled_at set).';

create function ops.dismiss_dead_letter(p_event_id text, p_reason text) returns void
language plpgsql
set search_path = ''
as $$
declare
  v_event billing.stripe_events;
begin
  if coalesce(btrim(p_reason), '') = '' then
    raise exception 'give a reason: it is recorded in ops.audit_log' using errcode = '22023';
  end if;
  select * into v_event from billing.stripe_events where id = p_event_id for update;
  if not found or v_event.status <> 'dead' then
    raise exception 'no dead letter %: see ops.dead_letters', p_event_id using errcode = 'P0002';
  end if;
  if v_event.handled_at is not null then
    raise exception 'dead letter % was dismissed already, at % by %', p_event_id, v_event.handled_at, v_event.handled_by using errcode = '55000';
  end if;
  update billing.stripe_events set handled_at = now(), handled_by = current_user, handled_note = p_reason where id = p_event_id;
  insert into billing.audit_log (action, detail)
  values ('dead_letter.dismissed', jsonb_build_object('event_id', v_event.id, 'type', v_event.type, 'customer_id', v_event.customer_id,
    'dead_at', v_event.dead_at, 'last_error', v_event.last_error, 'reason', p_reason));
end
$$;
comment on function ops.dismiss_dead_letter(text, text) is
  'Marks one dead letter handled without replaying it (the customer was resynced since, or nothing is owed); the reason goes to ops.audit_log.';
revoke execute on function ops.dismiss_dead_letter(text, text) from public, anon, authenticated, service_role;

-- After a fix, the letters still awaiting one are replayed; dismissed ones stay as the operator left them.
create or replace function ops.retry_dead_letters() returns integer
language plpgsql
set search_path = ''
as $$
declare
  v_count integer := 0;
  v_id text;
begin
  for v_id in select id from billing.stripe_events where status = 'dead' and handled_at is null order by received_at loop
    perform ops.replay_event(v_id);
    v_count := v_count + 1;
  end loop;
  return v_count;
end
$$;
comment on function ops.retry_dead_letters() is
  'Replays every dead letter not dismissed; returns how many (ops.replay_event replays any one, dismissed or not).';
