-- Payment metrics count money collected: once per payment, net of refunds (issue 13, item 2).
-- Refunds become rows of their own (kind 'refund', negative amounts, keyed by the refund id);
-- ops.revenue_by_day shows payments, refunds and the net amount. Rows the old workflow keyed by a
-- failed attempt's PaymentIntent (an invoice paid after a failure counted twice) are repaired from the
-- mirrored invoice's payments.

alter table billing.payment_metrics
  add column kind text not null default 'payment' check (kind in ('payment', 'refund')),
  add column refunded_payment_key text;
comment on column billing.payment_metrics.kind is 'payment: money collected (amount > 0); refund: money returned (amount <= 0; 0 for a refund that failed or was canceled).';
comment on column billing.payment_metrics.refunded_payment_key is 'For a refund: the payment_key of the payment it returns money from.';
comment on table billing.payment_metrics is 'Money collected and returned, amounts in minor units: one row per successful payment (keyed payment:<PaymentIntent or charge id>) and one per refund (refund:<id>).';

-- The repair: an invoice's row keyed by one of its payments that is not paid stands for the paid one.
create function billing._invoice_paid_payment_key(p_invoice_id text, p_key text) returns text
language sql stable set search_path = '' as $$
  select 'payment:' || coalesce(p #>> '{payment,payment_intent,id}', p #>> '{payment,payment_intent}', p #>> '{payment,charge,id}', p #>> '{payment,charge}')
  from public.stripe_invoices i, jsonb_array_elements(coalesce(i.raw #> '{payments,data}', '[]')) p
  where i.id = p_invoice_id and p ->> 'status' = 'paid'
    and exists (select 1 from jsonb_array_elements(i.raw #> '{payments,data}') q
                where q ->> 'status' <> 'paid'
                  and p_key = 'payment:' || coalesce(q #>> '{payment,payment_intent,id}', q #>> '{payment,payment_intent}', q #>> '{payment,charge,id}', q #>> '{payment,charge}'))
  limit 1
$$;
comment on function billing._invoice_paid_payment_key(text, text) is 'Migration helper: the key of the invoice''s paid payment when p_key names one of its unpaid attempts, else null.';

with wrong as (
  select m.payment_key, billing._invoice_paid_payment_key(m.source_id, m.payment_key) as paid_key
  from billing.payment_metrics m where m.source_type = 'invoice'
), dropped as (
  delete from billing.payment_metrics m using wrong w
  where m.payment_key = w.payment_key and w.paid_key is not null
    and exists (select 1 from billing.payment_metrics o where o.payment_key = w.paid_key)
  returning m.payment_key
)
update billing.payment_metrics m set payment_key = w.paid_key
from wrong w
where m.payment_key = w.payment_key and w.paid_key is not null
  and m.payment_key not in (select payment_key from dropped)
  and not exists (select 1 from billing.payment_metrics o where o.payment_key = w.paid_key);

drop function billing._invoice_paid_payment_key(text, text);

drop view ops.revenue_by_day;
create view ops.revenue_by_day as
  select date_trunc('day', occurred_at) as day, currency,
    count(*) filter (where kind = 'payment') as payments,
    coalesce(sum(amount), 0) as amount_minor_units,
    count(*) filter (where kind = 'refund' and amount <> 0) as refunds,
    coalesce(sum(amount) filter (where kind = 'payment'), 0) as collected_minor_units,
    coalesce(-sum(amount) filter (where kind = 'refund'), 0) as refunded_minor_units
  from billing.payment_metrics group by 1, 2 order by 1 desc, 2;
comment on view ops.revenue_by_day is 'Per day and currency: successful payments, refunds, and money collected, refunded and net (amount_minor_units), in minor units, for charts in Studio.';
