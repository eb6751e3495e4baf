-- The dead-letter trigger runs its function only when it changes the row (WHEN conditions): not for an
-- event recorded pending, nor for a status the sync writes; a death is still dated, a replay still clears
-- the death and the dismissal, and a dead event written dead again keeps them. The function's calls are
-- counted in this transaction (track_functions).
begin;
\ir _helpers.psql
select plan(16);

set local track_functions = 'pl';
create function tests.letter(p_id text) returns table (status text, dead_at timestamptz, handled_at timestamptz, handled_by text, handled_note text)
language sql as $$
  select status, dead_at, handled_at, handled_by, handled_note from billing.stripe_events where id = p_id
$$;

select is(
  (select array_agg(tgname::text order by tgname) from pg_trigger
   where tgrelid = 'billing.stripe_events'::regclass and tgfoid = 'billing.tg_stripe_events__dead_letter'::regproc),
  array['dead_letter_recorded', 'dead_letter_status'], 'two triggers call the function, the old one is gone');

-- The common path: a webhook records the event pending, the sync writes its status (a retry, then done).
insert into billing.stripe_events (id, type, livemode, created, payload, verified_by, status) values
  ('evt_when_1', 'invoice.paid', false, now(), '{}', 'test', 'pending');
update billing.stripe_events set status = 'failed', last_error = 'Stripe 500' where id = 'evt_when_1';
update billing.stripe_events set status = 'processed', attempts = 1 where id = 'evt_when_1';
select is(tests.calls('billing.tg_stripe_events__dead_letter'), 0, 'an event recorded pending and processed never calls the function');
select is((select row(t.*)::text from tests.letter('evt_when_1') t), '(processed,,,,)', 'and its row is as written');

-- An event that dies is dated and unhandled.
update billing.stripe_events set status = 'dead', last_error = 'Stripe 500' where id = 'evt_when_1';
select is(tests.calls('billing.tg_stripe_events__dead_letter'), 1, 'a death calls it');
select is((select dead_at from tests.letter('evt_when_1')), now(), 'and is dated');

-- Written dead again (a later error message): the death keeps its date and its dismissal.
update billing.stripe_events set dead_at = now() - interval '2 days' where id = 'evt_when_1';
do $$ begin perform ops.dismiss_dead_letter('evt_when_1', 'customer deleted in Stripe'); end $$;
update billing.stripe_events set status = 'dead', last_error = 'Stripe 500 again' where id = 'evt_when_1';
select is(tests.calls('billing.tg_stripe_events__dead_letter'), 1, 'a dead event written dead again does not call it');
select is((select row(t.status, t.dead_at = now() - interval '2 days', t.handled_at is not null, t.handled_note)::text from tests.letter('evt_when_1') t),
  '(dead,t,t,"customer deleted in Stripe")', 'and keeps its date and its dismissal');

-- A replay leaves the dead state: the four columns go.
do $$ begin perform ops.replay_event('evt_when_1'); end $$;
select is(tests.calls('billing.tg_stripe_events__dead_letter'), 2, 'a replay calls it');
select is((select row(t.*)::text from tests.letter('evt_when_1') t), '(pending,,,,)', 'and clears the death and the dismissal');

-- Dying again after the replay: dated anew, unhandled.
update billing.stripe_events set status = 'dead' where id = 'evt_when_1';
select is((select row(t.status, t.dead_at = now(), t.handled_at, t.handled_note)::text from tests.letter('evt_when_1') t), '(dead,t,,)',
  'a second death is dated anew and unhandled');

-- Recorded dead (a test fixture, an import): dated unless a date is given.
insert into billing.stripe_events (id, type, livemode, created, payload, verified_by, status, dead_at) values
  ('evt_when_2', 'invoice.paid', false, now(), '{}', 'test', 'dead', null),
  ('evt_when_3', 'invoice.paid', false, now(), '{}', 'test', 'dead', '2026-01-01T00:00:00Z');
select is(tests.calls('billing.tg_stripe_events__dead_letter'), 5, 'an event recorded dead calls it');
select is((select dead_at from tests.letter('evt_when_2')), now(), 'recorded dead without a date: dated now');
select is((select dead_at from tests.letter('evt_when_3')), '2026-01-01T00:00:00Z'::timestamptz, 'with a date: that date');

-- Recorded pending with a death or a dismissal: cleared.
insert into billing.stripe_events (id, type, livemode, created, payload, verified_by, status, handled_note) values
  ('evt_when_4', 'invoice.paid', false, now(), '{}', 'test', 'pending', 'stale note');
select is((select row(t.*)::text from tests.letter('evt_when_4') t), '(pending,,,,)', 'an event recorded pending with a dismissal loses it');

-- A status written without a change of state but with a stray date: cleared too.
update billing.stripe_events set status = 'processed', dead_at = now() where id = 'evt_when_4';
select is((select row(t.*)::text from tests.letter('evt_when_4') t), '(processed,,,,)', 'a live event given a death date loses it');
select is(tests.calls('billing.tg_stripe_events__dead_letter'), 7, 'each of those two called it');

select * from finish();
rollback;
