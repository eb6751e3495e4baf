export { default } from '../supabase/functions/_shared/email/templates/cancellation-scheduled.tsx'
