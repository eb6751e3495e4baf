export { default } from '../supabase/functions/_shared/email/templates/payment-failed.tsx'
