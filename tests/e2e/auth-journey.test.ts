// Password reset and email change in a real browser (Debian's Chromium driven by playwright-core) against
// the stack: "Forgot password?" on sign-in, the emailed link (read from maildev) opens "Set a new
// password" signed in, the new password works and the spent link says so; on the account page an email
// change waits for the link sent to the new address. Screenshots go to test-results/screenshots/auth-*.
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { APP, browserForFile, shot } from '../helpers/browser.ts'
import { mailsTo } from '../helpers/mail.ts'
import { uniq } from '../helpers/stack.ts'

const file = browserForFile()

const shotAs = (page: Page, name: string) => shot(page, `auth-${name}`)

/** The link of the one mail with this subject that reached the address. */
async function emailedLink(address: string, subject: string): Promise<string> {
  const mails = (await mailsTo(address, { timeoutMs: 30_000 })).filter((m) => m.subject === subject)
  expect(mails).toHaveLength(1)
  return /href="([^"]+)"/.exec(mails[0].html)![1].replace(/&amp;/g, '&')
}

async function signIn(page: Page, email: string, password: string, button = 'Sign in') {
  await page.goto(APP)
  await page.getByLabel('Email').fill(email)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: button }).click()
  await page.getByRole('button', { name: 'Sign out' }).waitFor({ timeout: 20_000 })
}

async function signOut(page: Page) {
  await page.getByRole('button', { name: 'Sign out' }).click()
  await page.getByRole('heading', { name: 'Sign in to Billing' }).waitFor()
}

describe('password reset and email change in a browser', () => {
  it('resets a forgotten password through the emailed link, once', async () => {
    const page = await file.browser.newPage()
    const email = `${uniq('forgot')}@example.test`
    await signIn(page, email, 'correct horse battery staple', 'Sign up')
    await signOut(page)

    await page.getByRole('link', { name: 'Forgot password?' }).click()
    await page.getByLabel('Email').fill(email)
    await page.getByRole('button', { name: 'Send reset link' }).click()
    await expect.poll(() => page.getByRole('status').textContent()).toContain(`If an account uses ${email}`)
    await shotAs(page, '1-reset-requested')

    const link = await emailedLink(email, 'Reset your password')
    await page.goto(link)
    await page.getByRole('heading', { name: 'Set a new password' }).waitFor({ timeout: 20_000 })
    await shotAs(page, '2-set-new-password')
    await page.getByLabel('New password').fill('a brand new passphrase')
    await page.getByRole('button', { name: 'Save password' }).click()
    // Saved and still signed in: the app goes on to the user's landing page.
    await page.waitForURL((u) => u.pathname !== '/update-password', { timeout: 20_000 })
    await page.getByRole('button', { name: 'Sign out' }).waitFor()
    await shotAs(page, '3-signed-in-after-reset')

    await signOut(page)
    await signIn(page, email, 'a brand new passphrase')
    await signOut(page)
    // The link is spent: opening it again asks for a new one.
    await page.goto(link)
    await page.getByText('That link is invalid or has expired').waitFor({ timeout: 20_000 })
    await shotAs(page, '4-link-used-twice')
    await page.close()
  })

  it('changes the email only once the link sent to the new address is followed', async () => {
    const page = await file.browser.newPage()
    const email = `${uniq('old')}@example.test`
    const next = `${uniq('new')}@example.test`
    await signIn(page, email, 'correct horse battery staple', 'Sign up')
    await page.getByRole('link', { name: 'Account' }).click()
    await page.getByRole('heading', { name: 'Account' }).waitFor()
    await page.getByLabel('New email').fill(next)
    await page.getByRole('button', { name: 'Change email' }).click()
    await expect.poll(() => page.getByRole('status').textContent()).toContain(`We sent a confirmation link to ${next}`)
    expect(await page.getByTestId('account-email').textContent()).toBe(email)
    await shotAs(page, '5-email-change-requested')
    const toOld = await mailsTo(email, { timeoutMs: 1000 })
    expect(toOld.filter((m) => m.subject === 'Confirm your new email address')).toHaveLength(0)

    await page.goto(await emailedLink(next, 'Confirm your new email address'))
    await expect.poll(() => page.getByTestId('account-email').textContent(), { timeout: 20_000 }).toBe(next)
    await shotAs(page, '6-email-changed')
    await signOut(page)
    await signIn(page, next, 'correct horse battery staple')
    await page.close()
  })
})
