// The shortest password Auth accepts: `minimum_password_length` in supabase/config.toml, which the real
// Auth and the local stand-in both enforce (a test holds this constant to that file).
export const MIN_PASSWORD_LENGTH = 8
