-- A person's identity comes only from Auth: `profiles.email` follows `auth.users.email` and nothing
-- else may write it (a Stripe customer's email is the organization's billing contact, never a person's).
-- Profiles a billing address already overwrote are put back.

create function public.tg_profiles__email_from_auth() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  -- security definer: the writer (a user changing their name, the service role) may not read auth.users.
  new.email := (select u.email from auth.users u where u.id = new.id);
  return new;
end
$$;
comment on function public.tg_profiles__email_from_auth() is
  'Keeps a profile''s email equal to its Auth user''s, whatever a writer puts there.';
revoke execute on function public.tg_profiles__email_from_auth() from public, anon, authenticated;
create trigger profiles_email_from_auth before insert or update on public.profiles
  for each row execute function public.tg_profiles__email_from_auth();

create function public.tg_users__sync_profile_email() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  -- security definer: Auth's role changes the user; the profile belongs to the product.
  update public.profiles set updated_at = now() where id = new.id;
  return new;
end
$$;
comment on function public.tg_users__sync_profile_email() is
  'Carries an Auth user''s new email to their profile (the profile trigger copies it).';
revoke execute on function public.tg_users__sync_profile_email() from public, anon, authenticated;
create trigger on_auth_user_email_changed after update of email on auth.users
  for each row when (new.email is distinct from old.email)
  execute function public.tg_users__sync_profile_email();

update public.profiles p set updated_at = now() from auth.users u where u.id = p.id and p.email is distinct from u.email;

comment on table public.profiles is 'One row per user: the email is the Auth user''s (auth.users), kept in step by triggers; never a billing address.';
comment on column public.profiles.email is 'The Auth user''s email, copied on every write; a Stripe customer''s email is the organization''s billing_email.';
