// The property tests' settings: a run count below one (or not a number) is refused, so
// `PROPERTY_RUNS=0` cannot make both property tests pass having run nothing.
import { expect, test } from 'vitest'
import { propertySetting } from '../helpers/lifecycle-story.ts'

test('PROPERTY_RUNS of 0, a negative, a fraction or a word is an error; unset is the default', () => {
  for (const bad of ['0', '-3', '1.5', 'ten', 'NaN']) expect(() => propertySetting('PROPERTY_RUNS', 2, 1, bad)).toThrow(`PROPERTY_RUNS=${bad} is not an integer of at least 1`)
  expect(propertySetting('PROPERTY_RUNS', 2, 1, undefined)).toBe(2)
  expect(propertySetting('PROPERTY_RUNS', 2, 1, '')).toBe(2)
  expect(propertySetting('PROPERTY_RUNS', 2, 1, '25')).toBe(25)
  expect(propertySetting('PROPERTY_SEED', 7, -(2 ** 31), '-12')).toBe(-12)
})
