-- The sync's peek (sync/absorb.ts: a customer's other visible messages, locked for absorbing, once per
-- customer group) and the billing overview's "changes pending" check (billing/overview.ts) find a
-- customer's messages on the stripe_events queue by `message ->> 'customer_id'`. Unindexed, that is a scan
-- of the whole queue each time: with the backlog an ingest burst leaves (10,000 messages) 3.4 ms of
-- Postgres CPU per group, a third of a core at the sync's 100 groups/s, taken from the webhook's inserts
-- on a small machine; with the index, 0.2 ms. It costs each enqueue one index entry.
create index if not exists q_stripe_events_customer_idx on pgmq.q_stripe_events ((message ->> 'customer_id'));
comment on index pgmq.q_stripe_events_customer_idx is
  'A customer''s messages on the stripe_events queue: the sync''s peek and the billing overview''s pending check look them up by customer.';
