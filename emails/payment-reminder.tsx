export { default } from '../supabase/functions/_shared/email/templates/payment-reminder.tsx'
