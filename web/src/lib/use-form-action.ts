// A form's submit as the auth pages run it: busy while it runs, the previous error cleared, and the
// error it ends with shown (the message Auth answered with, or a thrown error's). One copy, so every
// form treats a failure alike.
import { useState, type FormEvent } from 'react'
import { errorMessage } from '../api.ts'

/** What `run` answers: an error message to show, or nothing when it succeeded. */
type Outcome = string | null | undefined | void

/** The form's busy flag, its error (settable, e.g. cleared on edit) and its submit handler. */
export function useFormAction(run: () => Promise<Outcome>) {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    setBusy(true)
    setError(null)
    try {
      const failed = await run()
      if (failed) setError(failed)
    } catch (cause) {
      setError(errorMessage(cause))
    } finally {
      setBusy(false)
    }
  }

  return { busy, error, setError, onSubmit: (event: FormEvent<HTMLFormElement>) => void submit(event) }
}
