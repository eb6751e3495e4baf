-- Payment reminders run every minute, like trial reminders: a reminder falls due when the dunning wait
-- ends, and every five minutes left a customer (and the local demo, whose clock jumps days at once)
-- waiting up to five minutes for it. Each run asks only for due work, so an idle minute costs one
-- cheap stripe-sync call.
select cron.schedule('billing-payment-reminders', '* * * * *',
  $$select billing.service_role_invoke_function('stripe-sync', '{"trigger": "cron", "mode": "run-due", "work": "payment-reminders"}'::jsonb)$$);
