// The one JSON shape of every function's error answers (built in http.ts); the web app reads it
// through billing/api-types.ts, so this file stays free of runtime imports.

/** Every error response: `code` is stable for programs, `message` is written for the person reading it. */
export interface ApiErrorBody {
  error: { code: string; message: string }
}
