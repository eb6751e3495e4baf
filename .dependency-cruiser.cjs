// Which way dependencies may point (`npm run deps:check`, a step of `npm test`; dev/test/deps.ts runs it
// and adds the folder-level cycle check). Paths are relative to the repository root.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'No import cycles, type-only ones included: a cycle is two modules that cannot be understood, tested or moved apart.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'functions-self-contained',
      comment:
        "A function deploys only supabase/functions/: the Supabase CLI's bundler fails on imports that escape it. " +
        'npm packages come through deno.json\'s pinned import map.',
      severity: 'error',
      from: { path: '^supabase/functions/' },
      to: { pathNot: ['^supabase/functions/', '^node_modules/', '^npm:', '^node:'] },
    },
    {
      name: 'functions-never-import-each-other',
      comment: 'Entry points are thin shells; what two functions share lives in _shared/.',
      severity: 'error',
      from: { path: '^supabase/functions/([^_/][^/]*)/' },
      to: { path: '^supabase/functions/[^_/][^/]*/', pathNot: '^supabase/functions/$1/' },
    },
    {
      name: 'web-imports-only-the-api-contract',
      comment:
        'The web app shares with its backend only the billing API contract and the import-free rules both sides must ' +
        'apply alike (the paths it serves, money formatting); nothing else of the repo.',
      severity: 'error',
      from: { path: '^web/' },
      to: {
        path: '^(supabase|emails|scripts|dev|tests)/',
        pathNot: '^supabase/functions/_shared/(billing/api-types|app-paths|money)\\.ts$',
      },
    },
    {
      name: 'emails-import-only-the-templates',
      comment: 'emails/ is the react-email preview of the templates the functions send; it re-exports them and nothing else.',
      severity: 'error',
      from: { path: '^emails/' },
      to: { pathNot: '^supabase/functions/_shared/email/templates/' },
    },
    {
      name: 'product-never-imports-dev',
      comment: 'dev/ is the local stack and its stand-ins; what ships (functions, scripts, web, emails) never needs it.',
      severity: 'error',
      from: { path: '^(supabase/functions|scripts|web|emails)/' },
      to: { path: '^(dev|tests)/' },
    },
    {
      name: 'sync-and-workflows-apart',
      comment: 'The sync hands events over (sync/handoff.ts); the pipeline (_shared/pipeline/) connects it to the workflows.',
      severity: 'error',
      from: { path: '^supabase/functions/_shared/sync/' },
      to: { path: '^supabase/functions/_shared/(workflows|pipeline)/' },
    },
    {
      name: 'workflows-and-sync-apart',
      comment: 'Workflows know events, not where they came from; the pipeline feeds them.',
      severity: 'error',
      from: { path: '^supabase/functions/_shared/workflows/' },
      to: { path: '^supabase/functions/_shared/(sync|pipeline)/' },
    },
    {
      name: 'not-to-unresolvable',
      comment: "Every import resolves (Deno's npm: specifiers are resolved by Deno, and checked by deno check).",
      severity: 'error',
      from: {},
      to: { couldNotResolve: true, pathNot: '^npm:' },
    },
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
