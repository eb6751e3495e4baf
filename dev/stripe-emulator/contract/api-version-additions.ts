// What our pinned API version (2026-10-28.endive, stripe npm 23.1.0) has beyond the spec we validate
// against (stripe-mock v0.203.0: 2026-08-26.dahlia). Kept in this one place: each entry adds fields
// to a spec schema, as the newer version documents them, and nothing else in the emulator or the
// product may rely on a field the spec lacks unless it is listed here.
/** A JSON Schema object, as spec.ts's `Schema` (declared here too, so spec.ts and this file do not import each other). */
type Schema = Record<string, any>

export const ADDITIONS: Record<string, { properties: Record<string, Schema>; required?: string[] }> = {}
