// Defining a workflow: what starts it, what identifies a run, what cancels it, and its handler.
import type postgres from 'postgres'
import type { Duration } from './duration.ts'

/** An event that starts or cancels workflows: a Stripe event (name = its type) or an internal one. */
export interface WorkflowEvent {
  name: string
  /** Unique per event: the Stripe event id, or the internal event's key. */
  id: string
  data: Record<string, unknown>
  /** When the event happened (ms since epoch). */
  ts: number
}

// The step tools a handler receives (implemented in step.ts).
interface SendEventInput {
  name: string
  data: Record<string, unknown>
  /** When to deliver it (default: now). */
  ts?: Date | number
}

export interface Step {
  run<T>(id: string, fn: () => Promise<T>): Promise<T>
  sleep(id: string, duration: Duration): Promise<void>
  sleepUntil(id: string, time: Date | string | number): Promise<void>
  sendEvent(id: string, event: SendEventInput): Promise<void>
}

export interface RunContext {
  event: WorkflowEvent
  step: Step
  run: { id: string; attempt: number; workflowId: string }
  /** The database, for reads inside steps (writes belong in step.run). */
  sql: postgres.Sql
  /** The runner's clock: real time, or a later time when a test or the demo runs due work early. */
  now: () => Date
}

interface CancelOn {
  /** Event name that cancels pending runs. */
  event: string
  /** The cancel key the incoming event stands for; null: this event cancels nothing. */
  key: (event: WorkflowEvent) => string | null
}

export interface WorkflowConfig {
  id: string
  /** Event names (Stripe types or internal names) that start a run. */
  triggers: string[]
  /** Only trigger events for which this holds start a run (default: all of them). */
  when?: (event: WorkflowEvent) => boolean
  /** What makes two triggers the same run (default: the event id); null when the event lacks the ids it
   *  needs (build it with keys.ts' keyOf): the run does not start and ops.workflow_failures says why. */
  key?: (event: WorkflowEvent) => string | null
  /** Total attempts before the run fails (default 4: the first and three retries). */
  retries?: number
  /** The key under which a pending run of this workflow can be cancelled. */
  cancelKey?: (event: WorkflowEvent) => string | null
  cancelOn?: CancelOn[]
}

export interface Workflow extends WorkflowConfig {
  handler: (ctx: RunContext) => Promise<unknown>
}

/** Declares a workflow; the engine finds it through the list given to the runner. */
export function defineWorkflow(config: WorkflowConfig, handler: (ctx: RunContext) => Promise<unknown>): Workflow {
  if (config.triggers.length === 0) throw new Error(`workflow ${config.id} has no triggers`)
  return { ...config, handler }
}
