-- pg_cron jobs that call the stripe-sync edge function through pg_net: every minute to drain the queue
-- (the safety net behind the webhook's immediate kick), and daily to reconcile against Stripe's
-- Events API (deliveries Stripe gave up on). The function URL and service-role key come from Vault
-- (secrets `project_url` and `service_role_key`; see README). pg_cron 1.4 has minute schedules only.

create function billing.service_role_invoke_function(p_function text, p_body jsonb default '{}'::jsonb)
returns bigint
language plpgsql
set search_path = ''
as $$
declare
  v_url text;
  v_key text;
begin
  select decrypted_secret into v_url from vault.decrypted_secrets where name = 'project_url';
  select decrypted_secret into v_key from vault.decrypted_secrets where name = 'service_role_key';
  if v_url is null or v_key is null then
    raise exception 'Vault secrets project_url and service_role_key are not set (see README: Deploying)'
      using errcode = '22023';
  end if;
  return net.http_post(
    url := rtrim(v_url, '/') || '/functions/v1/' || p_function,
    body := p_body,
    headers := jsonb_build_object('Content-Type', 'application/json', 'Authorization', 'Bearer ' || v_key),
    timeout_milliseconds := 60000
  );
end
$$;
comment on function billing.service_role_invoke_function(text, jsonb) is
  'Calls an edge function with the service-role key (after the calling transaction commits); returns the pg_net request id.';
revoke execute on function billing.service_role_invoke_function(text, jsonb) from public, anon, authenticated;
grant execute on function billing.service_role_invoke_function(text, jsonb) to service_role;

select cron.schedule(
  'stripe-sync-drain',
  '* * * * *',
  $$select billing.service_role_invoke_function('stripe-sync', '{"trigger": "cron"}'::jsonb)$$
);

select cron.schedule(
  'stripe-sync-reconcile',
  '17 3 * * *',
  $$select billing.service_role_invoke_function('stripe-sync', '{"trigger": "cron", "mode": "reconcile", "days": 3}'::jsonb)$$
);
