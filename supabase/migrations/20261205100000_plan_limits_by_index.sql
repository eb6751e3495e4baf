-- billing._refresh_plan_limits found the organizations to update with `id = $1 or price_id = $2 or
-- product_id = $3`: with no index on price_id or product_id, and an OR across three columns, every call
-- scanned every organization. It runs on each organization's plan change (the trigger on price_id) and on
-- each price or product Stripe sends, so its cost grew with the number of organizations (1.8 ms a call at
-- 8,300 of them; 1,000 calls while a bench subscribed 1,000 customers). Each of the three is now its own
-- indexed lookup.
create index organizations_price_idx on public.organizations (price_id) where price_id is not null;
create index organizations_product_idx on public.organizations (product_id) where product_id is not null;

create or replace function billing._refresh_plan_limits(p_organization_id uuid, p_price_id text, p_product_id text) returns void
language sql
set search_path = ''
as $$
  update public.organizations o set plan_limits = coalesce(public.plan_limits_for(o.price_id), '{}'::jsonb), updated_at = now()
  where o.id in (
      select id from public.organizations where id = p_organization_id
      union all select id from public.organizations where price_id = p_price_id
      union all select id from public.organizations where product_id = p_product_id)
    and o.plan_limits is distinct from coalesce(public.plan_limits_for(o.price_id), '{}'::jsonb);
$$;
comment on function billing._refresh_plan_limits(uuid, text, text) is
  'Writes plan_limits from the plan for one organization, every organization on a price, or on a product (internal: called by the functions that change a plan).';
