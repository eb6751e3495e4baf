-- A per-seat organization's first pending seat change wakes stripe-sync at once (pg_net, after the
-- change commits), as the webhook's kick does for Stripe events, instead of waiting for the drain job's
-- next minute. Later changes of the same burst find the quantity update already pending and add no call.
-- A kick that cannot be made (Vault secrets unset) is a warning: the drain job still picks the message up,
-- and the membership change goes through either way.

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
  perform pgmq.send('stripe_events', jsonb_build_object('event_id', null, 'type', 'seats.quantity',
    'customer_id', v_customer, 'object_id', p_organization_id));
  if v_pending = 1 then
    begin
      perform billing.service_role_invoke_function('stripe-sync', '{"trigger": "seats"}'::jsonb);
    exception when others then
      raise warning 'seat change of organization %: stripe-sync not kicked (%); the drain job will pick it up', p_organization_id, sqlerrm;
    end;
  end if;
end
$$;
comment on function billing.enqueue_seat_sync(uuid) is
  'Records a membership change of a per-seat organization, queues its quantity update and, for the first pending change, kicks stripe-sync (no Stripe call here).';
revoke execute on function billing.enqueue_seat_sync(uuid) from public, anon, authenticated;
