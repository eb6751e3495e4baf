export { default } from '../supabase/functions/_shared/email/templates/invitation.tsx'
