// `npm run deps:check` (and a step of `npm test`): dependency-cruiser with the rules in
// .dependency-cruiser.cjs, plus one check it lacks: no cycle between folders (a module-level check
// misses sync/ → workflows/ → sync/ when the files in the loop differ). Exits 1 on any violation.
// Runs dependency-cruiser through its API: its CLI refuses Node 20, which this project supports.
import { existsSync } from 'node:fs'
import path from 'node:path'
import { cruise, format, type ICruiseResult, type IModule } from 'dependency-cruiser'
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options'
import { ROOT } from '../stack/config.ts'

const SCOPE = ['supabase/functions', 'web', 'emails', 'scripts', 'dev', 'tests']

/** The folders whose imports must form no cycle: each function, each _shared area, each top-level part. */
const AREA = /^(supabase\/functions\/_shared\/[^/]+|supabase\/functions\/[^/]+|web|emails|scripts|dev\/[^/]+|tests\/[^/]+)\//

/** Strongly connected groups of two or more areas (Tarjan), each a folder-level cycle. */
function folderCycles(modules: IModule[]): string[][] {
  const edges = new Map<string, Set<string>>()
  for (const m of modules) {
    const from = AREA.exec(m.source)?.[1]
    if (!from) continue
    for (const d of m.dependencies) {
      const to = AREA.exec(d.resolved)?.[1]
      if (to && to !== from) edges.set(from, (edges.get(from) ?? new Set()).add(to))
    }
  }
  let next = 0
  const index = new Map<string, number>(), low = new Map<string, number>(), stack: string[] = [], onStack = new Set<string>()
  const cycles: string[][] = []
  const visit = (v: string) => {
    index.set(v, next), low.set(v, next++), stack.push(v), onStack.add(v)
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) visit(w), low.set(v, Math.min(low.get(v)!, low.get(w)!))
      else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!))
    }
    if (low.get(v) !== index.get(v)) return
    const group: string[] = []
    let w: string
    do (w = stack.pop()!), onStack.delete(w), group.push(w)
    while (w !== v)
    if (group.length > 1) cycles.push(group.sort())
  }
  for (const v of edges.keys()) if (!index.has(v)) visit(v)
  return cycles
}

/** Cruises the repository (or another tree laid out like it, for tests); the report and whether it is clean. */
export async function checkDependencies(root = ROOT): Promise<{ ok: boolean; report: string; cruised: number; violations: number; cycles: string[][] }> {
  const cwd = process.cwd()
  // dependency-cruiser reports and matches paths relative to the working directory.
  process.chdir(root)
  try {
    const options = await extractDepcruiseOptions(path.join(ROOT, '.dependency-cruiser.cjs'))
    const { enhancedResolveOptions, ...cruiseOptions } = options as typeof options & { enhancedResolveOptions?: Record<string, unknown> }
    const scope = SCOPE.filter((dir) => existsSync(path.join(root, dir)))
    const result = (await cruise(scope, cruiseOptions, enhancedResolveOptions)).output as ICruiseResult
    const cycles = folderCycles(result.modules)
    const text = (await format(result, { outputType: 'err-long' })).output as string
    const lines = [text.trim(), ...cycles.map((c) => `error no-folder-cycle: ${c.join(' ⇄ ')}`)]
    lines.push(cycles.length ? `x ${cycles.length} folder cycles` : '✔ no folder cycles')
    const violations = result.summary.violations.length
    return { ok: violations === 0 && cycles.length === 0, report: lines.filter(Boolean).join('\n'), cruised: result.summary.totalCruised, violations, cycles }
  } finally {
    process.chdir(cwd)
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await checkDependencies()
  process.stdout.write(r.report + '\n')
  process.exit(r.ok ? 0 : 1)
}
