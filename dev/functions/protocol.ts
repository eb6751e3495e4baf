// Development only: the messages between the functions host's gateway (main thread) and a function's
// worker (function-worker.ts). Bodies travel as ArrayBuffers, transferred rather than copied.

interface LoadMessage {
  type: 'load'
  name: string
  file: string
}

export interface RequestMessage {
  type: 'request'
  id: number
  url: string
  method: string
  headers: [string, string][]
  body: ArrayBuffer | null
  remoteAddr: Deno.NetAddr
}

export type FromHost = LoadMessage | RequestMessage

export type ToHost =
  | { type: 'ready'; thread: number | null }
  | { type: 'failed'; error: string }
  | { type: 'response'; id: number; status: number; statusText: string; headers: [string, string][]; body: ArrayBuffer | null }
  | { type: 'threw'; id: number }
