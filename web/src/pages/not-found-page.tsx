import { Link } from '../components/link.tsx'

export function NotFoundPage() {
  return (
    <div className="card error-state">
      <h1>Page not found</h1>
      <p>There is nothing at this address.</p>
      <Link to="/" className="button button-primary">Go to your billing</Link>
    </div>
  )
}
