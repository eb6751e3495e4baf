// The functions' one typed configuration (_shared/config.ts): defaults, types, and a wrong or missing
// variable refused with its name, before any request is served.
import { afterEach, describe, expect, test } from 'vitest'
import { config, ConfigError, required } from '../../supabase/functions/_shared/config.ts'

const touched = ['SYNC_VISIBILITY_SECONDS', 'SUPABASE_URL', 'EMAIL_TRANSPORT', 'EMAILS_DISABLED', 'STRIPE_WEBHOOK_SECRETS', 'RESEND_API_KEY', 'SMTP_PORT'] as const
const saved = Object.fromEntries(touched.map((k) => [k, process.env[k]]))
afterEach(() => {
  for (const k of touched) saved[k] === undefined ? delete process.env[k] : (process.env[k] = saved[k])
})

describe('config', () => {
  test('unset and empty variables take their defaults; numbers and lists are typed', () => {
    process.env.SMTP_PORT = ''
    process.env.SYNC_VISIBILITY_SECONDS = '30'
    process.env.EMAILS_DISABLED = ' receipt, ,trial_ending'
    process.env.STRIPE_WEBHOOK_SECRETS = 'whsec_a, whsec_b'
    const c = config()
    expect(c).toMatchObject({ SMTP_PORT: 25, SYNC_VISIBILITY_SECONDS: 30, DB_POOL_SIZE: 10, APP_URL: 'http://127.0.0.1:3000' })
    expect(c.EMAILS_DISABLED).toEqual(['receipt', 'trial_ending'])
    expect(c.STRIPE_WEBHOOK_SECRETS).toEqual(['whsec_a', 'whsec_b'])
  })

  test('a wrong value is refused naming the variable, and never echoing the value', () => {
    for (const [name, value] of [['SYNC_VISIBILITY_SECONDS', '500'], ['SUPABASE_URL', 'not a url'], ['EMAIL_TRANSPORT', 'pigeon']] as const) {
      process.env[name] = value
      expect(() => config()).toThrow(ConfigError)
      expect(() => config()).toThrow(new RegExp(`^wrong environment variable ${name}: `))
      expect(() => config()).not.toThrow(value)
      delete process.env[name]
    }
  })

  test('parsed once while the environment stays the same, and again as soon as a value changes', () => {
    process.env.SYNC_VISIBILITY_SECONDS = '30'
    const first = config()
    expect(config()).toBe(first)
    expect(Object.isFrozen(first) && Object.isFrozen(first.EMAILS_DISABLED)).toBe(true)
    process.env.SYNC_VISIBILITY_SECONDS = '31'
    expect(config().SYNC_VISIBILITY_SECONDS).toBe(31)
    process.env.SYNC_VISIBILITY_SECONDS = '500'
    expect(() => config()).toThrow(/^wrong environment variable SYNC_VISIBILITY_SECONDS: /)
    process.env.SYNC_VISIBILITY_SECONDS = '30'
    expect(config()).toMatchObject({ SYNC_VISIBILITY_SECONDS: 30 })
  })

  test('a setting a code path needs, when unset, is refused naming it', () => {
    delete process.env.RESEND_API_KEY
    expect(() => required('RESEND_API_KEY')).toThrow('missing environment variable RESEND_API_KEY (see .env.example)')
    process.env.RESEND_API_KEY = 're_test'
    expect(required('RESEND_API_KEY')).toBe('re_test')
  })
})
