import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './App.tsx'
import { billingApi, missingConfig, supabase } from './supabase.ts'
import './styles.css'

function ConfigMissing({ names }: { names: string[] }) {
  return (
    <main className="main">
      <div className="card error-state" role="alert">
        <h1>The app is not configured</h1>
        <p>
          Set {names.join(' and ')} (the Supabase API URL and anon key) in the environment or in <code>.env</code>, then
          restart the dev server. <code>npm start</code> sets both.
        </p>
      </div>
    </main>
  )
}

const root = document.getElementById('root')
if (!root) throw new Error('index.html has no #root element')

createRoot(root).render(
  <StrictMode>
    {missingConfig.length > 0 ? <ConfigMissing names={missingConfig} /> : <App supabase={supabase} api={billingApi} />}
  </StrictMode>,
)
