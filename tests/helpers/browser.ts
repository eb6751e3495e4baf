// The browser of the browser tests (tests/e2e): Debian's Chromium driven by playwright-core, the stack's
// web app it opens, and where its screenshots go (test-results/screenshots/).
import { mkdirSync } from 'node:fs'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll } from 'vitest'
import { stackProfile } from './stack.ts'

/** The web app of the stack under test. */
export const APP = `http://127.0.0.1:${stackProfile.ports.web}`
const SHOTS = 'test-results/screenshots'

/** Launches Chromium, once the screenshots' folder exists. */
export async function launchChromium(): Promise<Browser> {
  mkdirSync(SHOTS, { recursive: true })
  return await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-dev-shm-usage'] })
}

/** A full-page screenshot, test-results/screenshots/<name>.png. */
export const shot = (page: Page, name: string) => page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true })

/** The file's browser: launched before its tests (`browser` is set then) and closed after them. */
export function browserForFile(): { browser: Browser } {
  const state = {} as { browser: Browser }
  beforeAll(async () => {
    state.browser = await launchChromium()
  })
  afterAll(async () => {
    await state.browser?.close()
  })
  return state
}
