export { default } from '../supabase/functions/_shared/email/templates/trial-ending.tsx'
