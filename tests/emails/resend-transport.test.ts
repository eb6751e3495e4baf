// The Resend transport against a stand-in for its HTTP API: the idempotency key sent as Idempotency-Key,
// which answers are retriable (honouring Retry-After) and which are not.
import { describe, expect, test } from 'vitest'
import { sendEmail } from '../../supabase/functions/_shared/email/transport.ts'
import { NonRetriableError, RetryAfterError } from '../../supabase/functions/_shared/errors.ts'
import { fakeResend } from '../helpers/fake-resend.ts'
import { message, restoreEmailEnvAfterEach } from '../helpers/outbox.ts'

restoreEmailEnvAfterEach()

describe('Resend transport', () => {
  test('sends the idempotency key as Idempotency-Key and returns Resend\'s message id', async () => {
    const api = await fakeResend(200, { id: 'msg_123' })
    const m = message()
    expect(await sendEmail(m)).toEqual({ providerMessageId: 'msg_123' })
    expect(api.received[0].headers['idempotency-key']).toBe(m.idempotencyKey)
    expect(api.received[0].headers.authorization).toBe('Bearer re_test_key')
    expect(api.received[0].body).toMatchObject({ to: [m.to], subject: 'Hello', text: 'Hello' })
    await api.close()
  })

  test('429 and 500 are retriable, honouring Retry-After', async () => {
    const limited = await fakeResend(429, { message: 'slow down' }, { 'retry-after': '7' })
    const err = await sendEmail(message()).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(RetryAfterError)
    expect((err as RetryAfterError).retryAfterMs).toBe(7000)
    await limited.close()
    const down = await fakeResend(500, { message: 'oops' })
    expect(await sendEmail(message()).catch((e: unknown) => e)).toBeInstanceOf(RetryAfterError)
    await down.close()
  })

  test('422 (a message Resend will never accept) is not retriable', async () => {
    const api = await fakeResend(422, { message: 'Invalid `to` field' })
    const err = await sendEmail(message()).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(NonRetriableError)
    expect((err as Error).message).toContain('Invalid `to` field')
    await api.close()
  })
})
