export { default } from '../supabase/functions/_shared/email/templates/subscription-resumed.tsx'
