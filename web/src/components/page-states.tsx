// Loading and error states shared by the pages: something is always on screen and announced.
import type { ReactNode } from 'react'

export function LoadingState({ label }: { label: string }) {
  return (
    <div className="loading" aria-busy="true">
      <p className="muted">{label}</p>
      <div className="skeleton skeleton-title" />
      <div className="skeleton skeleton-card" />
      <div className="skeleton skeleton-card short" />
    </div>
  )
}

/** An error; Retry only where trying again can succeed, else `action` (e.g. a way elsewhere). */
export function ErrorState({ title, message, onRetry, action }: { title: string; message: string; onRetry?: () => void; action?: ReactNode }) {
  return (
    <div className="card error-state" role="alert">
      <h1>{title}</h1>
      <p>{message}</p>
      {onRetry ? (
        <button type="button" className="button button-primary" onClick={onRetry}>
          Retry
        </button>
      ) : null}
      {action}
    </div>
  )
}
