-- GDPR: build an organization's export (organization, members with their emails, subscriptions,
-- invoices, emails sent) as JSON, stored privately; and delete an organization's personal data,
-- idempotently, keeping the invoice records tax law requires. Both write an audit row.

create function billing.service_role_build_organization_export(p_organization_id uuid) returns uuid
language plpgsql
set search_path = ''
as $$
declare
  v_export uuid;
  v_data jsonb;
  v_ttl interval;
begin
  if not exists (select 1 from public.organizations where id = p_organization_id) then
    raise exception 'no organization %', p_organization_id using errcode = 'P0002';
  end if;
  select jsonb_build_object(
    'exported_at', now(),
    'organization', (select to_jsonb(o) - 'plan_limits' || jsonb_build_object('plan_limits', o.plan_limits)
      from public.organizations o where o.id = p_organization_id),
    'members', coalesce((select jsonb_agg(jsonb_build_object('user_id', m.user_id, 'email', p.email, 'name', p.full_name, 'role', m.role,
        'joined_at', m.created_at) order by m.created_at)
      from public.organization_members m left join public.profiles p on p.id = m.user_id
      where m.organization_id = p_organization_id), '[]'::jsonb),
    'stripe_customers', coalesce((select jsonb_agg(jsonb_build_object('id', c.id, 'email', c.email, 'name', c.name))
      from public.stripe_customers c where c.organization_id = p_organization_id), '[]'::jsonb),
    'subscriptions', coalesce((select jsonb_agg(jsonb_build_object('id', s.id, 'status', s.status, 'price_id', s.price_id,
        'product_id', s.product_id, 'quantity', s.quantity, 'current_period_start', s.current_period_start,
        'current_period_end', s.current_period_end, 'trial_end', s.trial_end, 'canceled_at', s.canceled_at) order by s.created)
      from public.stripe_subscriptions s where s.organization_id = p_organization_id), '[]'::jsonb),
    'invoices', coalesce((select jsonb_agg(jsonb_build_object('id', i.id, 'number', i.number, 'status', i.status, 'currency', i.currency,
        'amount_due', i.amount_due, 'amount_paid', i.amount_paid, 'paid_at', i.paid_at, 'created', i.created,
        'hosted_invoice_url', i.hosted_invoice_url) order by i.created)
      from public.stripe_invoices i where i.organization_id = p_organization_id), '[]'::jsonb),
    'emails_sent', coalesce((select jsonb_agg(jsonb_build_object('type', e.email_type, 'to', e.to_email, 'subject', e.subject,
        'status', e.status, 'sent_at', e.sent_at) order by e.created_at)
      from billing.email_outbox e where e.organization_id = p_organization_id), '[]'::jsonb)
  ) into v_data;
  select export_link_ttl into v_ttl from billing.settings;
  insert into billing.organization_exports (organization_id, data, expires_at)
  values (p_organization_id, v_data, now() + v_ttl)
  returning id into v_export;
  insert into billing.audit_log (action, organization_id, detail)
  values ('export.created', p_organization_id, jsonb_build_object('export_id', v_export));
  return v_export;
end
$$;
comment on function billing.service_role_build_organization_export(uuid) is
  'Builds and stores an organization''s GDPR export (its data only); returns the export id for a signed link.';

create function billing.service_role_delete_organization_data(p_organization_id uuid) returns boolean
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
  select coalesce(array_agg(id), '{}') into v_customers from public.stripe_customers where organization_id = p_organization_id;

  delete from public.organization_members where organization_id = p_organization_id;
  delete from billing.organization_exports where organization_id = p_organization_id;
  update billing.email_outbox set to_email = null, props = '{}'::jsonb, subject = null where organization_id = p_organization_id;
  update public.stripe_customers set email = null, name = null, user_id = null, metadata = '{}'::jsonb, raw = null
  where id = any(v_customers);
  -- The inbox keeps the event, not the personal data Stripe put in its payload.
  update billing.stripe_events set payload = jsonb_build_object('id', id, 'type', type, 'redacted', true)
  where customer_id = any(v_customers) and not (payload ? 'redacted');
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
  'Removes an organization''s personal data (members, exports, emails in logs and payloads), keeps invoices, marks it deleted; true on the first run only.';

revoke execute on function billing.service_role_build_organization_export(uuid) from public, anon, authenticated;
revoke execute on function billing.service_role_delete_organization_data(uuid) from public, anon, authenticated;
grant execute on function billing.service_role_build_organization_export(uuid) to service_role;
grant execute on function billing.service_role_delete_organization_data(uuid) to service_role;
