// Which way dependencies may point (`npm run deps:check`, a step of `npm test`; dev/test/deps.ts runs it
// and adds the folder-level cycle check). Paths are relative to the repository root.
/** An import that fails the check: `from` the modules it applies to, `to` what they may not import. */
const forbid = (name, comment, from, to) => ({ name, comment, severity: 'error', from, to })

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    forbid(
      'no-circular',
      'No import cycles, type-only ones included: a cycle is two modules that cannot be understood, tested or moved apart.',
      {},
      { circular: true },
    ),
    forbid(
      'functions-self-contained',
      "A function deploys only supabase/functions/: the Supabase CLI's bundler fails on imports that escape it. " +
      'npm packages come through deno.json\'s pinned import map.',
      { path: '^supabase/functions/' },
      { pathNot: ['^supabase/functions/', '^node_modules/', '^npm:', '^node:'] },
    ),
    forbid(
      'functions-never-import-each-other',
      'Entry points are thin shells; what two functions share lives in _shared/.',
      { path: '^supabase/functions/([^_/][^/]*)/' },
      { path: '^supabase/functions/[^_/][^/]*/', pathNot: '^supabase/functions/$1/' },
    ),
    forbid(
      'web-imports-only-the-api-contract',
      'The web app shares with its backend only the billing API contract and the import-free rules both sides must ' +
        'apply alike (the paths it serves, money formatting); nothing else of the repo.',
      { path: '^web/' },
      {
        path: '^(supabase|emails|scripts|dev|tests)/',
        pathNot: '^supabase/functions/_shared/(billing/api-types|app-paths|money)\\.ts$',
      },
    ),
    forbid(
      'emails-import-only-the-templates',
      'emails/ is the react-email preview of the templates the functions send; it re-exports them and nothing else.',
      { path: '^emails/' },
      { pathNot: '^supabase/functions/_shared/email/templates/' },
    ),
    forbid(
      'product-never-imports-dev',
      'dev/ is the local stack and its stand-ins; what ships (functions, scripts, web, emails) never needs it.',
      { path: '^(supabase/functions|scripts|web|emails)/' },
      { path: '^(dev|tests)/' },
    ),
    forbid(
      'sync-and-workflows-apart',
      'The sync hands events over (sync/handoff.ts); the pipeline (_shared/pipeline/) connects it to the workflows.',
      { path: '^supabase/functions/_shared/sync/' },
      { path: '^supabase/functions/_shared/(workflows|pipeline)/' },
    ),
    forbid(
      'workflows-and-sync-apart',
      'Workflows know events, not where they came from; the pipeline feeds them.',
      { path: '^supabase/functions/_shared/workflows/' },
      { path: '^supabase/functions/_shared/(sync|pipeline)/' },
    ),
    forbid(
      'not-to-unresolvable',
      "Every import resolves (Deno's npm: specifiers are resolved by Deno, and checked by deno check).",
      {},
      { couldNotResolve: true, pathNot: '^npm:' },
    ),
  ],
  options: {
    // TypeScript 7 has no JavaScript compiler API, so swc parses the .ts and .tsx files; it reports
    // type-only imports too (tsPreCompilationDeps is a tsc-only switch).
    parser: 'swc',
    tsPreCompilationDeps: false,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|\\.local|dist|test-results)/' },
    enhancedResolveOptions: {
      extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.json'],
      conditionNames: ['import', 'node', 'default'],
      exportsFields: ['exports'],
    },
  },
}
