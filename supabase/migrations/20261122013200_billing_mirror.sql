-- The read-only mirror of Stripe the sync writes: customers, subscriptions, invoices, products and
-- prices. Each row keeps the raw Stripe object and when it was fetched (`stripe_fetched_at`), so an
-- upsert carrying older data is a no-op. Members read their organization's rows; only the service
-- role writes.

create table public.stripe_products (
  id text primary key,
  name text,
  active boolean,
  metadata jsonb not null default '{}'::jsonb,
  deleted boolean not null default false,
  raw jsonb not null,
  stripe_fetched_at timestamptz not null
);
alter table public.stripe_products enable row level security;
comment on table public.stripe_products is 'Mirror of Stripe products (plans); metadata `limits.<name>` carries plan limits.';

create table public.stripe_prices (
  id text primary key,
  product_id text,
  active boolean,
  nickname text,
  currency text,
  unit_amount bigint,
  recurring_interval text,
  recurring_interval_count integer,
  metadata jsonb not null default '{}'::jsonb,
  deleted boolean not null default false,
  raw jsonb not null,
  stripe_fetched_at timestamptz not null
);
alter table public.stripe_prices enable row level security;
comment on table public.stripe_prices is 'Mirror of Stripe prices; metadata `limits.<name>` overrides the product''s.';

create table public.stripe_customers (
  id text primary key,
  organization_id uuid references public.organizations (id) on delete set null,
  user_id uuid references auth.users (id) on delete set null,
  email text,
  name text,
  metadata jsonb not null default '{}'::jsonb,
  deleted boolean not null default false,
  raw jsonb,
  stripe_fetched_at timestamptz not null
);
alter table public.stripe_customers enable row level security;
create index stripe_customers_organization_idx on public.stripe_customers (organization_id);
comment on table public.stripe_customers is 'Mirror of Stripe customers, linked to the user who owns each and to its organization.';

create table public.stripe_subscriptions (
  id text primary key,
  customer_id text not null,
  organization_id uuid references public.organizations (id) on delete set null,
  status text not null,
  price_id text,
  product_id text,
  quantity integer,
  current_period_start timestamptz,
  current_period_end timestamptz,
  trial_start timestamptz,
  trial_end timestamptz,
  cancel_at_period_end boolean not null default false,
  cancel_at timestamptz,
  canceled_at timestamptz,
  ended_at timestamptz,
  created timestamptz,
  raw jsonb not null,
  stripe_fetched_at timestamptz not null
);
alter table public.stripe_subscriptions enable row level security;
create index stripe_subscriptions_customer_idx on public.stripe_subscriptions (customer_id);
create index stripe_subscriptions_organization_idx on public.stripe_subscriptions (organization_id);
comment on table public.stripe_subscriptions is 'Mirror of Stripe subscriptions (status all), periods from the subscription item as in the pinned API.';

create table public.stripe_invoices (
  id text primary key,
  customer_id text not null,
  organization_id uuid references public.organizations (id) on delete set null,
  subscription_id text,
  number text,
  status text,
  currency text,
  amount_due bigint,
  amount_paid bigint,
  amount_remaining bigint,
  hosted_invoice_url text,
  invoice_pdf text,
  billing_reason text,
  attempt_count integer,
  next_payment_attempt timestamptz,
  due_date timestamptz,
  paid_at timestamptz,
  created timestamptz,
  customer_email text,
  raw jsonb not null,
  stripe_fetched_at timestamptz not null
);
alter table public.stripe_invoices enable row level security;
create index stripe_invoices_customer_idx on public.stripe_invoices (customer_id, created desc);
create index stripe_invoices_organization_idx on public.stripe_invoices (organization_id, created desc);
comment on table public.stripe_invoices is 'Mirror of Stripe invoices; kept after an organization is deleted, as tax law requires.';

-- Nobody but the service role writes the mirror.
revoke all on public.stripe_products, public.stripe_prices, public.stripe_customers, public.stripe_subscriptions, public.stripe_invoices from anon;
revoke insert, update, delete, truncate, references, trigger
  on public.stripe_products, public.stripe_prices, public.stripe_customers, public.stripe_subscriptions, public.stripe_invoices
  from authenticated;

create policy "Signed-in users can read the plan catalog" on public.stripe_products
  for select to authenticated using (true);
create policy "Signed-in users can read plan prices" on public.stripe_prices
  for select to authenticated using (true);
create policy "Members can read their organization's Stripe customer" on public.stripe_customers
  for select to authenticated using ((select public.has_org_role(organization_id)));
create policy "Members can read their organization's subscriptions" on public.stripe_subscriptions
  for select to authenticated using ((select public.has_org_role(organization_id)));
create policy "Members can read their organization's invoices" on public.stripe_invoices
  for select to authenticated using ((select public.has_org_role(organization_id)));
