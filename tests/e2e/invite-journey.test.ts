// Invitations in a real browser (Debian's Chromium driven by playwright-core) against the stack: an admin
// invites an address on the members page, the email (sent through the outbox) reaches maildev, the
// invitee opens its link signed out, signs up on the spot and lands in the organization; the spent link
// then says so. Screenshots go to test-results/screenshots/invite-*.
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { APP, browserForFile, shot } from '../helpers/browser.ts'
import { mailWithSubject } from '../helpers/browser-journey.ts'
import { uniq } from '../helpers/stack.ts'
import { shareProductClockForFile } from '../helpers/product-clock.ts'

// Invitations expire, and seats count pending ones, on the product's clock: no file moves it meanwhile.
shareProductClockForFile()

const file = browserForFile()

const shotAs = (page: Page, name: string) => shot(page, `invite-${name}`)

async function signUp(page: Page, email: string) {
  await page.getByLabel('Email').fill(email)
  await page.getByLabel('Password').fill('correct horse battery staple')
  await page.getByRole('button', { name: 'Sign up' }).click()
}

describe('an invitation in a browser', () => {
  it('invite → email in maildev → a new user signs up from the link and joins; the link then says it was used', { timeout: 240_000 }, async () => {
    const admin = await file.browser.newPage()
    const orgName = uniq('Invite Journey')
    await admin.goto(APP)
    await signUp(admin, `${uniq('inv-admin')}@example.test`)
    await admin.getByLabel('Organization name').fill(orgName)
    await admin.getByRole('button', { name: 'Create organization' }).click()
    await admin.waitForURL(/\/billing\/[0-9a-f-]{36}/)
    const orgId = /\/billing\/([0-9a-f-]{36})/.exec(admin.url())![1]

    await admin.getByRole('link', { name: 'Manage members and invitations' }).click()
    await admin.waitForURL(`${APP}/members/${orgId}`)
    const invitee = `${uniq('inv-new')}@example.test`
    await admin.getByLabel('Email').fill(invitee)
    await admin.getByRole('button', { name: 'Send invitation' }).click()
    await expect.poll(() => admin.getByRole('status').textContent()).toBe(`Invitation sent to ${invitee}.`)
    await admin.getByTestId('invitation').filter({ hasText: invitee }).waitFor()
    await shotAs(admin, '1-invited')

    const mail = await mailWithSubject(invitee, `You are invited to join ${orgName}`)
    const link = [...mail.html.matchAll(/href="([^"]+)"/g)].map((x) => x[1].replace(/&amp;/g, '&')).find((l) => l.includes('/invite/'))!
    expect(link).toMatch(new RegExp(`^${APP}/invite/[0-9a-f]{64}$`))

    const context = await file.browser.newContext()
    const guest = await context.newPage()
    await guest.goto(link)
    await guest.getByTestId('sign-in-notice').waitFor({ timeout: 20_000 })
    await shotAs(guest, '2-signed-out')
    await signUp(guest, invitee)
    await guest.waitForURL(`${APP}/billing/${orgId}`, { timeout: 30_000 })
    await guest.getByRole('heading', { level: 1, name: orgName }).waitFor()
    await expect.poll(() => guest.getByTestId('members').textContent()).toContain(invitee)
    await shotAs(guest, '3-joined')

    await guest.goto(link)
    await guest.getByRole('heading', { name: 'This invitation was already used' }).waitFor({ timeout: 20_000 })
    await shotAs(guest, '4-used')

    await admin.reload()
    await expect.poll(() => admin.getByTestId('members').textContent()).toContain(invitee)
    expect(await admin.getByTestId('invitation').count()).toBe(0)
    await context.close()
  })
})
