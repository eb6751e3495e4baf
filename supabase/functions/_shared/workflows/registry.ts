// Every workflow the product runs. The runner only claims runs of workflows listed here.
import type { Workflow } from './define.ts'

export const WORKFLOWS: Workflow[] = []
