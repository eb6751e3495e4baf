// Reads the stack's maildev inbox through its REST API.
import { stackProfile } from './stack.ts'

export interface Mail {
  subject: string
  text: string
  html: string
  to: { address: string }[]
  headers: Record<string, string>
}

/**
 * Mail delivered to an address so far: waits until `atLeast` arrived (at most `timeoutMs`; maildev can
 * take seconds to store a message on a loaded machine), then answers what is there.
 */
export async function mailsTo(address: string, { atLeast = 1, timeoutMs = 20_000 } = {}): Promise<Mail[]> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const res = await fetch(`http://127.0.0.1:${stackProfile.ports.mail}/api/email`)
    const all = (await res.json()) as Mail[]
    const mine = all.filter((m) => m.to.some((t) => t.address.toLowerCase() === address.toLowerCase()))
    if (mine.length >= atLeast || Date.now() > deadline) return mine
    await new Promise((r) => setTimeout(r, 100))
  }
}
