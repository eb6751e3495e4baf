-- An export's link expires `export_link_ttl` after the product's "now", which in the local stack
-- follows the Stripe emulator's clock (supabase/functions/_shared/clock.ts) and so may differ from the
-- database's now(): after the emulator moved a month on, a link counted from now() expired before the
-- cancellation it was sent for.

create function billing.service_role_build_organization_export(p_organization_id uuid, p_as_of timestamptz) returns uuid
language plpgsql
set search_path = ''
as $$
declare
  v_export uuid;
begin
  v_export := billing.service_role_build_organization_export(p_organization_id);
  update billing.organization_exports set expires_at = p_as_of + (select s.export_link_ttl from billing.settings s)
  where id = v_export;
  return v_export;
end
$$;
comment on function billing.service_role_build_organization_export(uuid, timestamptz) is
  'Builds and stores an organization''s GDPR export whose link expires export_link_ttl after p_as_of (the product''s now).';
revoke execute on function billing.service_role_build_organization_export(uuid, timestamptz) from public, anon, authenticated;
grant execute on function billing.service_role_build_organization_export(uuid, timestamptz) to service_role;
