-- The seat-limit refusal names the billing page's real button ("Manage billing", not "Manage
-- subscription"), and after a downgrade below usage says how many seats are over and must be freed,
-- instead of "all 3 of 2 are taken". Only the message changes; the check is the one of 20261129211000.

create or replace function public.tg_organization_invitations__within_seat_limit() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_org public.organizations;
  v_in_use integer;
  v_limit numeric;
  v_plan text;
begin
  -- Runs inside invite_member (as its owner). A plan that names no seat limit limits no seats.
  select * into v_org from public.organizations o where o.id = new.organization_id for update;
  if not (v_org.plan_limits ? 'seats') then
    return new;
  end if;
  v_in_use := billing._seats_in_use(new.organization_id);
  if public.plan_limit_allows(new.organization_id, 'seats', v_in_use) then
    return new;
  end if;
  v_plan := 'Your plan' || coalesce(' (' || v_org.plan_name || ')', '');
  v_limit := case jsonb_typeof(v_org.plan_limits -> 'seats') when 'number' then (v_org.plan_limits ->> 'seats')::numeric end;
  if v_limit is not null and v_in_use > v_limit then
    perform public._refuse('55000', 'seat_limit_reached', format(
      '%s includes %s seats and %s are in use (members and pending invitations): %s over since the plan changed. Everyone keeps their seat, but to invite someone an admin must first revoke pending invitations or remove members until fewer than %s seats are in use, or upgrade the plan on the Billing page (Manage billing).',
      v_plan, v_limit, v_in_use, v_in_use - v_limit, v_limit));
  end if;
  perform public._refuse('55000', 'seat_limit_reached', format(
    '%s includes %s seats and all %s are taken (members and pending invitations). An admin can upgrade the plan on the Billing page (Manage billing), or revoke a pending invitation or remove a member to free a seat.',
    v_plan, v_org.plan_limits ->> 'seats', v_in_use));
  return new;
end
$$;
comment on function public.tg_organization_invitations__within_seat_limit() is
  'Refuses an invitation that would put seats in use (members + pending invitations) above plan_limits.seats, naming the limit, any overage after a downgrade, and the ways out.';
revoke execute on function public.tg_organization_invitations__within_seat_limit() from public, anon, authenticated;
