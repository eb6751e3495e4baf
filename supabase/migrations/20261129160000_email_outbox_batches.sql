-- The outbox sends Resend batches of up to 100 emails. A batch is written down before it is sent, so
-- that a batch whose answer was lost goes again with the same members under the same Idempotency-Key
-- (Resend then delivers it once) instead of being regrouped into a batch Resend has not seen.

alter table billing.email_outbox add column batch_key text;
create index email_outbox_batch_idx on billing.email_outbox (batch_key) where batch_key is not null;

comment on column billing.email_outbox.batch_key is
  'The provider batch this email was sent in (its Idempotency-Key); null for an email sent on its own.';
