-- Every RLS policy in public says what it guards (STYLE.md 16), so a reader of the catalog (or of
-- `\dp`) knows why a row is visible without reading the predicate. No policy changes here.

comment on policy "Members can read their organizations" on public.organizations is
  'Guards organizations from every signed-in user who is not a member: a member reads only the organizations they belong to.';
comment on policy "Admins can update their organization" on public.organizations is
  'Guards an organization''s editable fields (the column grant allows only name, billing email and updated_at) from members who are not admins.';
comment on policy "Members can read the members of their organizations" on public.organization_members is
  'Guards who belongs to an organization from outsiders: only its members see its membership list.';
comment on policy "Admins can add members" on public.organization_members is
  'Guards membership from self-invitation: only an admin of the organization can add a member to it.';
comment on policy "Admins can change members' roles" on public.organization_members is
  'Guards roles from escalation: only an admin of the organization can change a member''s role, and the row stays in that organization.';
comment on policy "Admins can remove members" on public.organization_members is
  'Guards membership from removal by members who are not admins of the organization.';
comment on policy "Users can read their own profile and their co-members'" on public.profiles is
  'Guards profiles (names, emails) from strangers: a user reads their own and those of people who share an organization with them.';
comment on policy "Users can update their own profile" on public.profiles is
  'Guards every profile from edits by anyone but its own user.';
comment on policy "Members can read their organization's Stripe customer" on public.stripe_customers is
  'Guards the mirrored Stripe customer (email, metadata) from everyone outside its organization; writes are the sync''s alone.';
comment on policy "Members can read their organization's subscriptions" on public.stripe_subscriptions is
  'Guards an organization''s mirrored subscriptions from everyone outside it; writes are the sync''s alone.';
comment on policy "Members can read their organization's invoices" on public.stripe_invoices is
  'Guards an organization''s mirrored invoices (amounts, hosted links) from everyone outside it; writes are the sync''s alone.';
comment on policy "Signed-in users can read plan prices" on public.stripe_prices is
  'Lets any signed-in user read the price list (it is public pricing) while keeping it from anon and writes to the sync alone.';
comment on policy "Signed-in users can read the plan catalog" on public.stripe_products is
  'Lets any signed-in user read the product catalog (the plans on offer) while keeping it from anon and writes to the sync alone.';
