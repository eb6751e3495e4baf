// The step tools a workflow handler uses, with Inngest's semantics: each step's result is stored once
// per (run, step id) and reused when the run is retried or resumed, so a step body runs again only if
// the worker died before its result was stored (step bodies must therefore be idempotent).
import type postgres from 'postgres'
import type { Step, Workflow, WorkflowEvent } from './define.ts'
import { toMs } from './duration.ts'
import { statement } from '../one-trip.ts'

/** Thrown to leave the handler when a sleep is not over; the runner records when to resume. */
export class SleepInterrupt extends Error {
  constructor(
    readonly stepId: string,
    readonly until: Date,
  ) {
    super(`sleeping in ${stepId} until ${until.toISOString()}`)
    this.name = 'SleepInterrupt'
  }
}

export interface StepState {
  runId: string
  memo: Map<string, unknown>
  /** The step being executed, reported if the run fails. */
  current?: string
}

/** The cancel keys of the workflows an internal event will start, so it can be cancelled before delivery. */
function cancelKeysFor(workflows: Workflow[], event: WorkflowEvent): string[] {
  return workflows
    .filter((w) => w.triggers.includes(event.name) && w.cancelKey)
    .map((w) => w.cancelKey!(event))
    .filter((k): k is string => !!k)
}

export function createStep(sql: postgres.Sql, state: StepState, now: () => Date, workflows: Workflow[]): Step {
  const seen = new Set<string>()
  const enter = (id: string) => {
    if (seen.has(id)) throw new Error(`step id "${id}" used twice in one run`)
    seen.add(id)
    state.current = id
  }
  const save = async (id: string, value: unknown) => {
    const json = value === undefined ? null : JSON.parse(JSON.stringify(value))
    await statement(
      sql,
      'insert into billing.workflow_steps (run_id, step_id, result) values ($1, $2, $3::text::jsonb) on conflict (run_id, step_id) do nothing',
      [state.runId, id, JSON.stringify(json)],
    )
    state.memo.set(id, json)
    return json
  }

  const sleepUntil = async (id: string, time: Date | string | number) => {
    enter(id)
    let until: Date
    if (state.memo.has(id)) until = new Date((state.memo.get(id) as { until: string }).until)
    else until = new Date((await save(id, { until: new Date(time).toISOString() })).until)
    if (now() < until) throw new SleepInterrupt(id, until)
  }

  return {
    async run<T>(id: string, fn: () => Promise<T>): Promise<T> {
      enter(id)
      if (state.memo.has(id)) return state.memo.get(id) as T
      return (await save(id, await fn())) as T
    },
    sleepUntil,
    // The wake time is fixed the first time the step is reached; a resumed run does not restart the sleep.
    sleep: (id, duration) => {
      if (state.memo.has(id)) return sleepUntil(id, 0)
      return sleepUntil(id, now().getTime() + toMs(duration))
    },
    async sendEvent(id, input) {
      enter(id)
      if (state.memo.has(id)) return
      const key = `${state.runId}:${id}`
      const deliverAt = new Date(input.ts ?? now())
      const event: WorkflowEvent = { name: input.name, id: key, data: input.data, ts: deliverAt.getTime() }
      await sql`
        insert into billing.workflow_events (name, key, data, deliver_at, cancel_keys, source_run_id)
        values (${input.name}, ${key}, ${sql.json(input.data as never)}, ${deliverAt}, ${cancelKeysFor(workflows, event)}, ${state.runId})
        on conflict (key) do nothing`
      await save(id, { key, deliverAt: deliverAt.toISOString() })
    },
  }
}
