// The billing function's JSON contract lives with the function (so its deploy bundle is self-contained);
// this is the web app's one import from supabase/functions.
export type * from '../../supabase/functions/_shared/billing/api-types.ts'
