// Stripe's request encoding: form bodies and query strings with nested keys (`items[0][price]`,
// `metadata[plan]`, `expand[]`). Parsed into plain objects; objects whose keys are all indexes become
// arrays, as Stripe reads them. Values stay strings; each resource coerces what it reads.

export type Params = Record<string, any>

export function parseParams(encoded: string): Params {
  const root: Params = {}
  for (const [rawKey, value] of new URLSearchParams(encoded)) {
    const parts = keyParts(rawKey)
    let node: any = root
    for (let i = 0; i < parts.length; i++) {
      const last = i === parts.length - 1
      let part = parts[i]
      if (part === '') part = String(Object.keys(node).length) // `expand[]` appends
      if (last) node[part] = value
      else node = node[part] = typeof node[part] === 'object' && node[part] !== null ? node[part] : {}
    }
  }
  return arrays(root)
}

function keyParts(key: string): string[] {
  const open = key.indexOf('[')
  if (open < 0) return [key]
  const parts = [key.slice(0, open)]
  for (const m of key.slice(open).matchAll(/\[([^\]]*)\]/g)) parts.push(m[1])
  return parts
}

function arrays(node: any): any {
  if (typeof node !== 'object' || node === null) return node
  const keys = Object.keys(node)
  for (const k of keys) node[k] = arrays(node[k])
  if (keys.length > 0 && keys.every((k) => /^\d+$/.test(k))) {
    return keys.sort((a, b) => Number(a) - Number(b)).map((k) => node[k])
  }
  return node
}

/** JSON bodies (the control API, and clients that send JSON) are accepted as they are. */
export function parseBody(contentType: string | undefined, raw: string): Params {
  if (!raw) return {}
  if (contentType?.includes('application/json')) return JSON.parse(raw)
  return parseParams(raw)
}
