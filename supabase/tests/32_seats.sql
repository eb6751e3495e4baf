-- Seats: members plus pending invitations, capped by plan_limits.seats when an admin invites (refused with
-- a message naming the limit and the upgrade path), and, for a per-seat price, each membership change
-- recorded in billing.seat_syncs and queued as one seats.quantity message for the sync worker, in the
-- same transaction as the change; a plan that is not per-seat queues nothing.
begin;
\ir _helpers.psql
select plan(21);

select tests.create_user('a4000000-0000-0000-0000-00000000000a', 'seats-admin@example.test');
select tests.create_user('a4000000-0000-0000-0000-00000000000b', 'seats-joiner@example.test');
insert into public.stripe_products (id, name, metadata, raw, stripe_fetched_at) values
  ('prod_st', 'Team', '{"limits.seats": "3"}', '{}', now()),
  ('prod_st_flat', 'Flat', '{"limits.seats": "3"}', '{}', now());
insert into public.stripe_prices (id, product_id, metadata, raw, stripe_fetched_at) values
  ('price_st_seat', 'prod_st', '{"per_seat": "true", "seat_proration": "always_invoice"}', '{}', now()),
  ('price_st_big', 'prod_st', '{"per_seat": "true", "limits.seats": "unlimited"}', '{}', now()),
  ('price_st_flat', 'prod_st_flat', '{}', '{}', now());
insert into public.organizations (id, name, billing_status, stripe_customer_id, stripe_subscription_id, plan_name) values
  ('4a000000-0000-0000-0000-000000000000', 'Seats A', 'active', 'cus_st_a', 'sub_st_a', 'Team');
update public.organizations set price_id = 'price_st_seat' where id = '4a000000-0000-0000-0000-000000000000';
insert into public.organization_members (organization_id, user_id, role) values
  ('4a000000-0000-0000-0000-000000000000', 'a4000000-0000-0000-0000-00000000000a', 'admin');

create function tests.invite(p_email text) returns text language plpgsql as $$
declare v_hint text; v_message text;
begin
  perform tests.authenticate_as('a4000000-0000-0000-0000-00000000000a');
  begin
    perform public.invite_member('4a000000-0000-0000-0000-000000000000', p_email, 'member');
    perform tests.reset_role();
    return 'ok';
  exception when others then
    get stacked diagnostics v_hint = pg_exception_hint, v_message = message_text;
    perform tests.reset_role();
    return sqlstate || ' ' || v_hint || ': ' || v_message;
  end;
end
$$;
create function tests.queued() returns int language sql as $$
  select count(*)::int from pgmq.q_stripe_events where message ->> 'type' = 'seats.quantity' and message ->> 'customer_id' = 'cus_st_a'
$$;
create function tests.seq() returns bigint language sql as $$
  select change_seq from billing.seat_syncs where organization_id = '4a000000-0000-0000-0000-000000000000'
$$;

create function tests.kicks() returns int language sql as $$
  select count(*)::int from net.http_request_queue where url like '%/functions/v1/stripe-sync' and convert_from(body, 'utf8')::jsonb ->> 'trigger' = 'seats'
$$;
select is(tests.seq(), 1::bigint, 'the first member of a per-seat organization is a recorded change');
select is(tests.kicks(), 1, 'the first pending change kicks stripe-sync');
select is(tests.invite('one@example.test'), 'ok', 'an admin invites a second seat');
select is(tests.invite('two@example.test'), 'ok', 'and a third (plan_limits.seats = 3)');
select is(tests.invite('three@example.test'),
  '55000 seat_limit_reached: Your plan (Team) includes 3 seats and all 3 are taken (members and pending invitations). An admin can upgrade the plan on the Billing page (Manage billing), or revoke a pending invitation or remove a member to free a seat.',
  'a fourth seat is refused, naming the limit and the upgrade path');
select is((select count(*)::int from public.organization_invitations where organization_id = '4a000000-0000-0000-0000-000000000000'), 2,
  'the refused invitation wrote nothing');
select is(tests.value_as('authenticated', '{"sub": "a4000000-0000-0000-0000-00000000000a", "role": "authenticated"}', $$public.seats_in_use('4a000000-0000-0000-0000-000000000000')$$),
  '3', 'seats in use, as a member sees it: 1 member + 2 pending invitations');
select is(tests.value_as('authenticated', '{"sub": "a4000000-0000-0000-0000-00000000000b", "role": "authenticated"}', $$public.seats_in_use('4a000000-0000-0000-0000-000000000000')$$),
  'null', 'someone outside the organization gets no count');

select is(tests.seq(), 3::bigint, 'each invitation is a recorded change');
select is(tests.queued(), 3, 'each change queued a seats.quantity message in its own transaction');
select is(tests.kicks(), 1, 'changes made while one is pending add no kick');
select is((select row(change_seq, quantity, subscription_id, proration_behavior)::text from billing.service_role_seat_quantity('4a000000-0000-0000-0000-000000000000')),
  '(3,3,sub_st_a,always_invoice)', 'the worker reads the change number, the seats, the subscription and the catalogue''s proration');

-- Accepting: a member joins and the invitation stops being pending (two changes, same count).
update public.organization_invitations set accepted_at = now() where email = 'one@example.test';
insert into public.organization_members (organization_id, user_id) values ('4a000000-0000-0000-0000-000000000000', 'a4000000-0000-0000-0000-00000000000b');
select is((select quantity from billing.service_role_seat_quantity('4a000000-0000-0000-0000-000000000000')), 3, 'accepting keeps the count');
-- Revoking frees a seat, so the refused invitation now goes through.
update public.organization_invitations set revoked_at = now() where email = 'two@example.test';
select is(tests.invite('three@example.test'), 'ok', 'a revoked invitation frees its seat');
select is(tests.seq(), 7::bigint, 'accepting, joining, revoking and inviting are four more changes');

-- What the worker records; ops shows what is pending and failing.
select billing.service_role_record_seat_sync('4a000000-0000-0000-0000-000000000000', 6, 3, true, 'StripeConnectionError: boom');
select is((select row(changes_pending, attempts, last_error)::text from ops.seat_syncs where organization_id = '4a000000-0000-0000-0000-000000000000'),
  '(7,1,"StripeConnectionError: boom")', 'a failed update is visible in ops.seat_syncs with its error');
select billing.service_role_record_seat_sync('4a000000-0000-0000-0000-000000000000', 6, 3, true, null);
select is((select row(changes_pending, applied_quantity, stripe_calls, attempts)::text from ops.seat_syncs where organization_id = '4a000000-0000-0000-0000-000000000000'),
  '(1,3,2,0)', 'an applied update leaves only the later change pending');
select billing.service_role_record_seat_sync('4a000000-0000-0000-0000-000000000000', 7, 3, false, null);
delete from public.organization_members where user_id = 'a4000000-0000-0000-0000-00000000000b';
select is(tests.kicks(), 2, 'once everything was applied, the next change kicks again');

-- A plan without a seat limit invites freely; a price that is not per-seat queues nothing.
update public.organizations set price_id = 'price_st_big' where id = '4a000000-0000-0000-0000-000000000000';
select is(tests.invite('four@example.test'), 'ok', 'an unlimited seat plan allows a fourth seat');
update public.organizations set price_id = 'price_st_flat', plan_limits = '{}' where id = '4a000000-0000-0000-0000-000000000000';
select lives_ok($$select tests.invite('five@example.test')$$, 'a flat price: invitations go through');
select is(tests.queued(), 9, 'and queue no quantity update (only the per-seat changes did)');

select * from finish();
rollback;
