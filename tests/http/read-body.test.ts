// readBodyLimited (http.ts): the body as text, refused with 413 past the limit, whether its length was
// declared (read whole) or not (read chunk by chunk, stopping at the limit).
import { describe, expect, test } from 'vitest'
import { HttpError } from '../../supabase/functions/_shared/errors.ts'
import { readBodyBytesLimited, readBodyLimited } from '../../supabase/functions/_shared/http.ts'

const post = (body: BodyInit, headers: Record<string, string> = {}) => new Request('http://local/x', { method: 'POST', body, headers, duplex: 'half' } as RequestInit)
/** A body of `chunks` streamed, its length not declared (chunked transfer). */
const streamed = (chunks: string[]) => new ReadableStream({ start(c) { for (const s of chunks) c.enqueue(new TextEncoder().encode(s)); c.close() } })
const status = (p: Promise<unknown>) => p.then(() => 200, (err: HttpError) => err.status)

describe('readBodyLimited', () => {
  test('a declared length within the limit: the whole body, as text', async () => {
    expect(await readBodyLimited(post('héllo', { 'content-length': '6' }), 6)).toBe('héllo')
  })

  test('a declared length over the limit is refused before reading', async () => {
    expect(await status(readBodyLimited(post('x'.repeat(10), { 'content-length': '10' }), 9))).toBe(413)
  })

  test('a body longer than its declared length (a Request built with a wrong header) is refused too', async () => {
    expect(await status(readBodyLimited(post('x'.repeat(10), { 'content-length': '2' }), 9))).toBe(413)
  })

  test('an undeclared length is read up to the limit and refused past it', async () => {
    expect(await readBodyLimited(post(streamed(['ab', 'cd'])), 4)).toBe('abcd')
    expect(await status(readBodyLimited(post(streamed(['ab', 'cd', 'e'])), 4))).toBe(413)
  })

  test('no body is the empty text', async () => {
    expect(await readBodyLimited(new Request('http://local/x', { method: 'POST' }), 4)).toBe('')
  })

  test('the bytes as they came, limit and all: bytes that are not UTF-8 are not replaced', async () => {
    const raw = new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])
    expect(await readBodyBytesLimited(post(raw, { 'content-length': '4' }), 4)).toEqual(raw)
    expect(await readBodyBytesLimited(post(streamed(['ab', 'cd'])), 4)).toEqual(new TextEncoder().encode('abcd'))
    expect(await status(readBodyBytesLimited(post(raw, { 'content-length': '4' }), 3))).toBe(413)
  })
})
