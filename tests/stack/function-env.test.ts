// The local functions get React's production build for the emails (NODE_ENV=production, as hosted
// functions get with the secret .env.example names): its development build costs about 40% more CPU per
// email. A NODE_ENV the developer set is kept.
import { afterEach, expect, test } from 'vitest'
import { profile } from '../../dev/stack/config.ts'
import { serviceSpecs } from '../../dev/stack/services.ts'

const before = process.env.NODE_ENV
afterEach(() => {
  if (before === undefined) delete process.env.NODE_ENV
  else process.env.NODE_ENV = before
})

const functionsEnv = () => serviceSpecs(profile(process.env.STACK_PROFILE ?? 'test'), { anon: 'anon', serviceRole: 'service' }).find((s) => s.name === 'functions')!.env

test('the functions run with NODE_ENV=production unless NODE_ENV is set', () => {
  delete process.env.NODE_ENV
  expect(functionsEnv().NODE_ENV).toBe('production')
  process.env.NODE_ENV = 'development'
  expect(functionsEnv().NODE_ENV).toBe('development')
})
