-- Test suites run several files at once against one database, each file with a Stripe emulator of its
-- own: a bucket per file ('test:<name>') keeps one file's 429s, pauses and refills from slowing down
-- another file or the stack's own worker. Production uses only 'test' and 'live'.
alter table billing.stripe_rate_limits drop constraint stripe_rate_limits_bucket_check;
alter table billing.stripe_rate_limits add constraint stripe_rate_limits_bucket_check
  check (bucket in ('test', 'live') or bucket ~ '^test:[a-z0-9_]{1,60}$');
comment on constraint stripe_rate_limits_bucket_check on billing.stripe_rate_limits is
  'The test and live buckets, and test:<name> buckets a test file makes for its own emulator.';
