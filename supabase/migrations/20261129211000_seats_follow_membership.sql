-- Seats: an organization's seats in use are its members plus its pending invitations (neither accepted
-- nor revoked): an invitation reserves the seat its invitee will take, so an invitation beyond
-- plan_limits.seats is refused, and a per-seat subscription is billed for it. For a price marked per-seat
-- (metadata per_seat = true, from supabase/stripe-catalog.json), every membership change records the wanted
-- count in billing.seat_syncs and queues a `seats.quantity` message on stripe_events in the same
-- transaction; the sync worker sets the subscription item's quantity in Stripe and re-syncs the customer.
-- Nothing here calls Stripe, so a membership change never waits for or fails with Stripe.

create function billing._seats_in_use(p_organization_id uuid) returns integer
language sql
stable
set search_path = ''
as $$
  select ((select count(*) from public.organization_members m where m.organization_id = p_organization_id)
    + (select count(*) from public.organization_invitations i where i.organization_id = p_organization_id
       and i.accepted_at is null and i.revoked_at is null))::integer
$$;
comment on function billing._seats_in_use(uuid) is 'Seats in use: members plus pending invitations (an invitation reserves its seat).';
revoke execute on function billing._seats_in_use(uuid) from public, anon, authenticated;
grant execute on function billing._seats_in_use(uuid) to service_role;

create function public.seats_in_use(p_organization_id uuid) returns integer
language sql
stable
security definer
set search_path = ''
as $$
  -- security definer: counts invitations, which members may not read; only members (or the service
  -- role) get the count.
  select case when coalesce((select auth.role()), '') = 'service_role' or public.has_org_role(p_organization_id)
    then billing._seats_in_use(p_organization_id) end
$$;
comment on function public.seats_in_use(uuid) is
  'Seats in use (members plus pending invitations), for the organization''s members ("3 of 5 seats"); null for anyone else.';
revoke execute on function public.seats_in_use(uuid) from public, anon;
grant execute on function public.seats_in_use(uuid) to authenticated, service_role;

create function public.tg_organization_invitations__within_seat_limit() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_org public.organizations;
  v_in_use integer;
begin
  -- Runs inside invite_member (as its owner). A plan that names no seat limit limits no seats.
  select * into v_org from public.organizations o where o.id = new.organization_id for update;
  if not (v_org.plan_limits ? 'seats') then
    return new;
  end if;
  v_in_use := billing._seats_in_use(new.organization_id);
  if not public.plan_limit_allows(new.organization_id, 'seats', v_in_use) then
    perform public._refuse('55000', 'seat_limit_reached', format(
      'Your plan%s includes %s seats and all %s are taken (members and pending invitations). An admin can upgrade the plan on the Billing page (Manage subscription), or revoke a pending invitation or remove a member to free a seat.',
      coalesce(' (' || v_org.plan_name || ')', ''), v_org.plan_limits ->> 'seats', v_in_use));
  end if;
  return new;
end
$$;
comment on function public.tg_organization_invitations__within_seat_limit() is
  'Refuses an invitation that would put seats in use (members + pending invitations) above plan_limits.seats, naming the limit and the upgrade path.';
revoke execute on function public.tg_organization_invitations__within_seat_limit() from public, anon, authenticated;
-- The organization row lock serializes invitations of one organization, so a burst cannot overshoot.
create trigger organization_invitations_within_seat_limit before insert on public.organization_invitations
  for each row execute function public.tg_organization_invitations__within_seat_limit();

create table billing.seat_syncs (
  organization_id uuid primary key references public.organizations (id) on delete cascade,
  change_seq bigint not null default 0,
  changed_at timestamptz not null default now(),
  applied_seq bigint not null default 0,
  applied_quantity integer,
  applied_at timestamptz,
  stripe_calls integer not null default 0,
  attempts integer not null default 0,
  last_error text,
  last_attempt_at timestamptz
);
alter table billing.seat_syncs enable row level security;
comment on table billing.seat_syncs is
  'Per-seat organizations: change_seq counts membership changes; applied_seq is the last one whose seat count Stripe has. Pending while change_seq > applied_seq.';
comment on column billing.seat_syncs.change_seq is 'Bumped by every membership or invitation change; with the organization, the idempotency key of the Stripe update.';
comment on column billing.seat_syncs.stripe_calls is 'Subscription updates sent to Stripe (a coalesced burst sends one).';

create function billing.price_is_per_seat(p_price_id text) returns boolean
language sql
stable
set search_path = ''
as $$
  select coalesce((select coalesce(p.metadata ->> 'per_seat', pr.metadata ->> 'per_seat') = 'true'
    from public.stripe_prices p left join public.stripe_products pr on pr.id = p.product_id where p.id = p_price_id), false)
$$;
comment on function billing.price_is_per_seat(text) is 'True when the price (or its product) has metadata per_seat = true: its quantity follows the seats in use.';
revoke execute on function billing.price_is_per_seat(text) from public, anon, authenticated;
grant execute on function billing.price_is_per_seat(text) to service_role;

create function billing.enqueue_seat_sync(p_organization_id uuid) returns void
language plpgsql
set search_path = ''
as $$
declare
  v_customer text;
begin
  select o.stripe_customer_id into v_customer from public.organizations o
  where o.id = p_organization_id and o.stripe_subscription_id is not null and billing.price_is_per_seat(o.price_id);
  if v_customer is null then
    return;
  end if;
  insert into billing.seat_syncs as s (organization_id, change_seq, changed_at) values (p_organization_id, 1, now())
  on conflict (organization_id) do update set change_seq = s.change_seq + 1, changed_at = now();
  perform pgmq.send('stripe_events', jsonb_build_object('event_id', null, 'type', 'seats.quantity',
    'customer_id', v_customer, 'object_id', p_organization_id));
end
$$;
comment on function billing.enqueue_seat_sync(uuid) is
  'Records a membership change of a per-seat organization and queues its quantity update for the sync worker (same transaction; no Stripe call).';
revoke execute on function billing.enqueue_seat_sync(uuid) from public, anon, authenticated;

create function billing.tg_seats__changed() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  -- security definer: the membership functions run as their owner, but a service-role write must reach
  -- billing too; it only records the change.
  perform billing.enqueue_seat_sync(coalesce(new.organization_id, old.organization_id));
  return null;
end
$$;
comment on function billing.tg_seats__changed() is 'Queues a seat quantity update whenever a member joins or leaves or an invitation is created, accepted or revoked.';
revoke execute on function billing.tg_seats__changed() from public, anon, authenticated;
create trigger organization_members_seats_changed after insert or delete on public.organization_members
  for each row execute function billing.tg_seats__changed();
create trigger organization_invitations_seats_changed after insert or update of accepted_at, revoked_at on public.organization_invitations
  for each row execute function billing.tg_seats__changed();

create function billing.service_role_seat_quantity(p_organization_id uuid)
returns table (change_seq bigint, quantity integer, subscription_id text, proration_behavior text)
language sql
stable
set search_path = ''
as $$
  -- One snapshot: the change number and the count it stands for, so an idempotency key always carries
  -- the same quantity.
  select s.change_seq, billing._seats_in_use(o.id), o.stripe_subscription_id,
    coalesce(p.metadata ->> 'seat_proration', 'create_prorations')
  from billing.seat_syncs s join public.organizations o on o.id = s.organization_id
  left join public.stripe_prices p on p.id = o.price_id
  where s.organization_id = p_organization_id and billing.price_is_per_seat(o.price_id) and o.stripe_subscription_id is not null
$$;
comment on function billing.service_role_seat_quantity(uuid) is
  'For the sync worker: the latest change number, the seats in use, the subscription and the catalogue''s proration for the seat update.';
revoke execute on function billing.service_role_seat_quantity(uuid) from public, anon, authenticated;
grant execute on function billing.service_role_seat_quantity(uuid) to service_role;

create function billing.service_role_record_seat_sync(p_organization_id uuid, p_change_seq bigint, p_quantity integer, p_called boolean, p_error text)
returns void
language sql
set search_path = ''
as $$
  update billing.seat_syncs s set
    applied_seq = case when p_error is null then greatest(s.applied_seq, p_change_seq) else s.applied_seq end,
    applied_quantity = case when p_error is null then p_quantity else s.applied_quantity end,
    applied_at = case when p_error is null then now() else s.applied_at end,
    stripe_calls = s.stripe_calls + case when p_called then 1 else 0 end,
    attempts = case when p_error is null then 0 else s.attempts + 1 end,
    last_error = p_error, last_attempt_at = now()
  where s.organization_id = p_organization_id
$$;
comment on function billing.service_role_record_seat_sync(uuid, bigint, integer, boolean, text) is
  'For the sync worker: records a seat update that reached Stripe (or found it already right), or its error for retry.';
revoke execute on function billing.service_role_record_seat_sync(uuid, bigint, integer, boolean, text) from public, anon, authenticated;
grant execute on function billing.service_role_record_seat_sync(uuid, bigint, integer, boolean, text) to service_role;

create view ops.seat_syncs as
  select s.organization_id, o.name, s.change_seq - s.applied_seq as changes_pending, s.applied_quantity, s.stripe_calls,
    s.attempts, s.last_error, s.changed_at, s.applied_at, s.last_attempt_at
  from billing.seat_syncs s join public.organizations o on o.id = s.organization_id
  order by (s.change_seq > s.applied_seq) desc, s.attempts desc, s.changed_at desc;
comment on view ops.seat_syncs is
  'Per-seat quantity updates: pending changes, failed attempts with their last error (the worker retries them), and Stripe calls made.';
