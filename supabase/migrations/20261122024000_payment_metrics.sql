-- Successful payments for admins' charts (the payment-metrics workflow): one row per payment.

create table billing.payment_metrics (
  payment_key text primary key,
  amount bigint not null,
  currency text not null,
  customer_id text,
  source_type text not null,
  source_id text not null,
  occurred_at timestamptz not null,
  recorded_at timestamptz not null default now()
);
alter table billing.payment_metrics enable row level security;
create index payment_metrics_occurred_idx on billing.payment_metrics (occurred_at);
comment on table billing.payment_metrics is 'One row per successful payment (keyed by its PaymentIntent when known), amounts in minor units.';

create view ops.revenue_by_day as
  select date_trunc('day', occurred_at) as day, currency, count(*) as payments, sum(amount) as amount_minor_units
  from billing.payment_metrics group by 1, 2 order by 1 desc, 2;
comment on view ops.revenue_by_day is 'Payments and amounts (minor units) per day and currency, for charts in Studio.';
