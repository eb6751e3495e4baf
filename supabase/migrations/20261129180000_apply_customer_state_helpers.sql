-- Splits billing.service_role_apply_customer_state into one helper per Stripe object, so that a change to
-- how one object is mirrored redefines that helper alone instead of the whole function (it was redefined
-- whole once already). Behaviour is unchanged: the bodies below are the latest definition's, moved.

create function billing._apply_customer(p_customer_id text, p_customer jsonb, p_fetched_at timestamptz) returns uuid
language plpgsql
set search_path = ''
as $$
declare
  v_deleted boolean;
  v_org uuid;
  v_user uuid;
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
  if v_deleted then
    -- Keep the row, marked deleted, with what the mirror knew (newer than any snapshot) or else the snapshot.
    insert into public.stripe_customers as t (id, organization_id, user_id, email, name, metadata, deleted, raw, stripe_fetched_at)
    values (p_customer_id, v_org, v_user, p_customer ->> 'email', p_customer ->> 'name', coalesce(p_customer -> 'metadata', '{}'),
      true, p_customer, p_fetched_at)
    on conflict (id) do update set
      organization_id = coalesce(t.organization_id, excluded.organization_id), user_id = coalesce(t.user_id, excluded.user_id),
      email = coalesce(t.email, excluded.email), name = coalesce(t.name, excluded.name), deleted = true,
      stripe_fetched_at = excluded.stripe_fetched_at
    where t.stripe_fetched_at <= excluded.stripe_fetched_at;
  else
    insert into public.stripe_customers as t (id, organization_id, user_id, email, name, metadata, deleted, raw, stripe_fetched_at)
    values (p_customer_id, v_org, v_user, p_customer ->> 'email', p_customer ->> 'name', coalesce(p_customer -> 'metadata', '{}'),
      false, p_customer, p_fetched_at)
    on conflict (id) do update set
      organization_id = coalesce(excluded.organization_id, t.organization_id), user_id = coalesce(excluded.user_id, t.user_id),
      email = excluded.email, name = excluded.name, metadata = excluded.metadata, deleted = false, raw = excluded.raw,
      stripe_fetched_at = excluded.stripe_fetched_at
    where t.stripe_fetched_at <= excluded.stripe_fetched_at;
  end if;
  if v_org is not null then
    update public.organizations set stripe_customer_id = p_customer_id where id = v_org and stripe_customer_id is null;
  end if;
  return v_org;
end
$$;
comment on function billing._apply_customer(text, jsonb, timestamptz) is
  'Mirrors the customer row (kept, marked deleted, when Stripe deleted it), links its organization and returns that organization''s id, which the subscriptions and invoices carry; its own function so the customer''s rules change alone.';

create function billing._apply_subscriptions(p_customer_id text, p_org uuid, p_subscriptions jsonb, p_fetched_at timestamptz) returns void
language plpgsql
set search_path = ''
as $$
declare
  v_sub jsonb;
  v_item jsonb;
begin
  for v_sub in select * from jsonb_array_elements(coalesce(p_subscriptions, '[]')) loop
    v_item := v_sub #> '{items,data,0}';
    if jsonb_typeof(v_item -> 'price') = 'object' then
      perform billing.service_role_apply_price(v_item -> 'price', p_fetched_at);
    end if;
    insert into public.stripe_subscriptions as t (id, customer_id, organization_id, status, price_id, product_id, quantity,
      current_period_start, current_period_end, trial_start, trial_end, cancel_at_period_end, cancel_at, canceled_at, ended_at,
      created, raw, stripe_fetched_at)
    values (v_sub ->> 'id', p_customer_id, p_org, v_sub ->> 'status', billing._id(v_item -> 'price'),
      billing._id(v_item #> '{price,product}'), (v_item ->> 'quantity')::integer,
      -- The pinned API keeps periods on the item (the subscription has none).
      billing._ts(v_item -> 'current_period_start'), billing._ts(v_item -> 'current_period_end'),
      billing._ts(v_sub -> 'trial_start'), billing._ts(v_sub -> 'trial_end'), coalesce((v_sub ->> 'cancel_at_period_end')::boolean, false),
      billing._ts(v_sub -> 'cancel_at'), billing._ts(v_sub -> 'canceled_at'), billing._ts(v_sub -> 'ended_at'),
      billing._ts(v_sub -> 'created'), v_sub, p_fetched_at)
    on conflict (id) do update set
      customer_id = excluded.customer_id, organization_id = coalesce(excluded.organization_id, t.organization_id), status = excluded.status,
      price_id = excluded.price_id, product_id = excluded.product_id, quantity = excluded.quantity,
      current_period_start = excluded.current_period_start, current_period_end = excluded.current_period_end,
      trial_start = excluded.trial_start, trial_end = excluded.trial_end, cancel_at_period_end = excluded.cancel_at_period_end,
      cancel_at = excluded.cancel_at, canceled_at = excluded.canceled_at, ended_at = excluded.ended_at, created = excluded.created,
      raw = excluded.raw, stripe_fetched_at = excluded.stripe_fetched_at
    where t.stripe_fetched_at <= excluded.stripe_fetched_at;
  end loop;
end
$$;
comment on function billing._apply_subscriptions(text, uuid, jsonb, timestamptz) is
  'Mirrors a customer''s fetched subscriptions (and the price each one''s first item carries); older data changes nothing. Its own function so a change to the subscription''s fields redefines only this.';

create function billing._apply_invoices(p_customer_id text, p_org uuid, p_invoices jsonb, p_fetched_at timestamptz) returns void
language plpgsql
set search_path = ''
as $$
declare
  v_inv jsonb;
begin
  for v_inv in select * from jsonb_array_elements(coalesce(p_invoices, '[]')) loop
    insert into public.stripe_invoices as t (id, customer_id, organization_id, subscription_id, number, status, currency, amount_due,
      amount_paid, amount_remaining, hosted_invoice_url, invoice_pdf, billing_reason, attempt_count, next_payment_attempt, due_date,
      paid_at, created, customer_email, raw, stripe_fetched_at)
    values (v_inv ->> 'id', p_customer_id, p_org,
      billing._id(v_inv #> '{parent,subscription_details,subscription}'),
      v_inv ->> 'number', v_inv ->> 'status', v_inv ->> 'currency', (v_inv ->> 'amount_due')::bigint, (v_inv ->> 'amount_paid')::bigint,
      (v_inv ->> 'amount_remaining')::bigint, v_inv ->> 'hosted_invoice_url', v_inv ->> 'invoice_pdf', v_inv ->> 'billing_reason',
      (v_inv ->> 'attempt_count')::integer, billing._ts(v_inv -> 'next_payment_attempt'), billing._ts(v_inv -> 'due_date'),
      billing._ts(v_inv #> '{status_transitions,paid_at}'), billing._ts(v_inv -> 'created'), v_inv ->> 'customer_email', v_inv, p_fetched_at)
    on conflict (id) do update set
      organization_id = coalesce(excluded.organization_id, t.organization_id), subscription_id = excluded.subscription_id,
      number = excluded.number, status = excluded.status, currency = excluded.currency, amount_due = excluded.amount_due,
      amount_paid = excluded.amount_paid, amount_remaining = excluded.amount_remaining, hosted_invoice_url = excluded.hosted_invoice_url,
      invoice_pdf = excluded.invoice_pdf, billing_reason = excluded.billing_reason, attempt_count = excluded.attempt_count,
      next_payment_attempt = excluded.next_payment_attempt, due_date = excluded.due_date, paid_at = excluded.paid_at,
      created = excluded.created, customer_email = excluded.customer_email, raw = excluded.raw, stripe_fetched_at = excluded.stripe_fetched_at
    where t.stripe_fetched_at <= excluded.stripe_fetched_at;
  end loop;
end
$$;
comment on function billing._apply_invoices(text, uuid, jsonb, timestamptz) is
  'Mirrors a customer''s fetched invoices; older data changes nothing. Its own function so a change to the invoice''s fields redefines only this.';

create or replace function billing.service_role_apply_customer_state(
  p_customer_id text,
  p_customer jsonb,
  p_subscriptions jsonb,
  p_invoices jsonb,
  p_fetched_at timestamptz
) returns void
language plpgsql
set search_path = ''
as $$
declare
  v_org uuid;
begin
  v_org := billing._apply_customer(p_customer_id, p_customer, p_fetched_at);
  perform billing._apply_subscriptions(p_customer_id, v_org, p_subscriptions, p_fetched_at);
  perform billing._apply_invoices(p_customer_id, v_org, p_invoices, p_fetched_at);
  if v_org is not null then
    perform billing._refresh_organization_billing(v_org, p_customer_id, p_fetched_at);
  end if;
end
$$;
comment on function billing.service_role_apply_customer_state(text, jsonb, jsonb, jsonb, timestamptz) is
  'Mirrors one customer''s fetched state (null, or a snapshot with deleted: true: deleted in Stripe, with its subscriptions and invoices as fetched one by one) and updates its organization; older data changes nothing. One helper per object does the writing.';

-- Internal helpers, like billing._refresh_organization_billing: reached only through the function above.
revoke execute on function billing._apply_customer(text, jsonb, timestamptz) from public, anon, authenticated;
revoke execute on function billing._apply_subscriptions(text, uuid, jsonb, timestamptz) from public, anon, authenticated;
revoke execute on function billing._apply_invoices(text, uuid, jsonb, timestamptz) from public, anon, authenticated;
