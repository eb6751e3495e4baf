// A BillingApi whose every method is a vi.fn: a test gives the answers it needs, and any call it did
// not expect fails loudly.
import { vi, type Mock } from 'vitest'
import type { BillingApi } from '../../web/src/api.ts'

export type FakeApi = { [K in keyof BillingApi]: Mock<BillingApi[K]> }

function unexpected(name: string) {
  return async () => {
    throw new Error(`unexpected call to api.${name}`)
  }
}

export function fakeApi(overrides: Partial<{ [K in keyof BillingApi]: BillingApi[K] | Mock<BillingApi[K]> }> = {}): FakeApi {
  const api: Record<string, unknown> = {}
  for (const name of ['listOrganizations', 'createOrganization', 'getOverview', 'checkout', 'portal', 'sync', 'requestExport', 'cancel', 'resume',
    'getMembers', 'invite', 'resendInvitation', 'revokeInvitation', 'changeRole', 'removeMember', 'leave', 'acceptInvitation', 'previewPlanChange', 'changePlan', 'undoPlanChange'] as const) {
    const given = overrides[name]
    api[name] = given && vi.isMockFunction(given) ? given : vi.fn(given ?? unexpected(name))
  }
  return api as FakeApi
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
