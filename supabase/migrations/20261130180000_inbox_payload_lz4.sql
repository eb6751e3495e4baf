-- The inbox keeps every event's payload (2-5 kB for a subscription or an invoice), past Postgres' 2 kB
-- threshold, so each insert compresses it. pglz, the default, was a fifth of the insert's CPU on the
-- webhook's hot path; lz4 compresses and decompresses several times faster at a similar ratio. Rows
-- already stored stay as they are (each value records its own method). A server built without lz4 keeps
-- pglz: the setting is a speed-up, not a requirement.
do $$
begin
  alter table billing.stripe_events alter column payload set compression lz4;
exception when feature_not_supported then
  raise notice 'lz4 is not available on this server: billing.stripe_events.payload stays pglz';
end
$$;
