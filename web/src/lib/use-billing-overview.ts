// Keeps a billing overview current without a reload. Stripe tells us about changes through webhooks,
// so right after Checkout or the portal the page polls until the sync has landed: after
// `?checkout=success` it asks for a sync at once, then polls while a sync is pending or the
// subscription has not appeared; after `?portal=return` it polls for a while; it polls whenever the
// API says a sync is pending; and it refreshes whenever the window regains focus.
import { useCallback, useEffect, useRef, useState } from 'react'
import type { Overview } from '../api-types.ts'
import { ApiError, errorMessage, type BillingApi } from '../api.ts'

const POLL_INTERVAL_MS = 1_500
const POLL_TIMEOUT_MS = 60_000

type WatchReason = 'checkout' | 'portal' | 'pending'

export interface BillingNotice {
  text: string
  tone: 'info' | 'success' | 'warning'
  /** Offer a manual refresh (after polling gave up). */
  refreshable?: boolean
}

export interface PollOptions {
  pollIntervalMs?: number
  pollTimeoutMs?: number
}

const CONFIRMING: BillingNotice = { text: 'Confirming your payment…', tone: 'info' }
const CONFIRMED: BillingNotice = { text: 'Payment confirmed. Your subscription is active.', tone: 'success' }
/** Back from a Checkout that started a trial: nothing was paid (there may be no card at all). */
const TRIAL_STARTED: BillingNotice = { text: 'Your free trial has started.', tone: 'success' }
const PENDING: BillingNotice = { text: 'Updating billing details from Stripe…', tone: 'info' }
const CHECKOUT_CANCELLED: BillingNotice = { text: 'Checkout was cancelled. You have not been charged.', tone: 'info' }

function gaveUp(reason: WatchReason): BillingNotice | null {
  if (reason === 'checkout') {
    return {
      text: "We haven't received confirmation from Stripe yet. If you completed the payment, your plan will appear here shortly.",
      tone: 'warning',
      refreshable: true,
    }
  }
  if (reason === 'pending') return { text: 'Billing details are still being updated from Stripe.', tone: 'warning', refreshable: true }
  return null
}

function stillWaiting(reason: WatchReason, overview: Overview): boolean {
  // The payment is confirmed once the subscription has started, whatever else is still syncing: the page
  // never says "Confirming your payment…" beside an Active badge.
  if (reason === 'checkout') return overview.subscription === null || overview.subscription.status === 'incomplete'
  if (reason === 'portal') return true
  return overview.pending
}

/** Reads `?checkout=` and `?portal=` once and removes them, so a reload does not repeat the handling. */
function takeReturnParams(): { checkout: string | null; portal: string | null } {
  const url = new URL(window.location.href)
  const checkout = url.searchParams.get('checkout')
  const portal = url.searchParams.get('portal')
  if (checkout !== null || portal !== null) {
    url.searchParams.delete('checkout')
    url.searchParams.delete('portal')
    window.history.replaceState(window.history.state, '', url.pathname + url.search + url.hash)
  }
  return { checkout, portal }
}

/** The overview of one organization, kept current; mount it once per organization (key by id). */
export function useBillingOverview(api: BillingApi, orgId: string, { pollIntervalMs = POLL_INTERVAL_MS, pollTimeoutMs = POLL_TIMEOUT_MS }: PollOptions = {}) {
  const [overview, setOverview] = useState<Overview | null>(null)
  const [loadError, setLoadError] = useState<string | null>(null)
  /** The HTTP status of the failed first load: 404 means no such organization for this user. */
  const [loadErrorStatus, setLoadErrorStatus] = useState<number | null>(null)
  const [refreshError, setRefreshError] = useState<string | null>(null)
  const [notice, setNotice] = useState<BillingNotice | null>(null)
  // Bumped after every request, so the poll effect re-runs even when a request failed.
  const [settled, setSettled] = useState(0)

  const watch = useRef<{ reason: WatchReason; until: number } | null>(null)
  const hasOverview = useRef(false)
  const issued = useRef(0)
  const applied = useRef(0)
  const mounted = useRef(false)
  const started = useRef(false)

  /** One request; a response older than one already shown is dropped. Resolves to whether it succeeded. */
  const load = useCallback(async (via: 'get' | 'sync', { quiet = false } = {}): Promise<boolean> => {
    const id = ++issued.current
    try {
      const result = via === 'sync' ? await api.sync(orgId) : await api.getOverview(orgId)
      if (mounted.current && id > applied.current) {
        applied.current = id
        hasOverview.current = true
        setOverview(result)
        setLoadError(null)
        setRefreshError(null)
      }
      return true
    } catch (error) {
      if (mounted.current && !quiet) {
        if (hasOverview.current) setRefreshError(errorMessage(error))
        else {
          setLoadError(errorMessage(error))
          setLoadErrorStatus(error instanceof ApiError ? error.status : null)
        }
      }
      return false
    } finally {
      if (mounted.current) setSettled((n) => n + 1)
    }
  }, [api, orgId])

  // First load, and what to do on returning from Stripe. `started` keeps React's development
  // double-mount from syncing twice.
  useEffect(() => {
    mounted.current = true
    if (!started.current) {
      started.current = true
      const { checkout, portal } = takeReturnParams()
      const until = Date.now() + pollTimeoutMs
      if (checkout === 'success') {
        watch.current = { reason: 'checkout', until }
        setNotice(CONFIRMING)
        void (async () => {
          if (!(await load('sync', { quiet: true }))) await load('get')
        })()
      } else {
        if (portal === 'return') {
          watch.current = { reason: 'portal', until }
        } else if (checkout === 'cancel' || checkout === 'cancelled') {
          setNotice(CHECKOUT_CANCELLED)
        }
        void load('get')
      }
    }
    return () => {
      mounted.current = false
    }
  }, [load, pollTimeoutMs])

  // Polling: after each response, decide whether to ask again in pollIntervalMs.
  useEffect(() => {
    if (!overview) return
    if (!watch.current && overview.pending) {
      watch.current = { reason: 'pending', until: Date.now() + pollTimeoutMs }
      setNotice(PENDING)
    }
    const current = watch.current
    if (!current) return
    if (current.reason !== 'checkout') setNotice(overview.pending ? PENDING : null)
    if (!stillWaiting(current.reason, overview)) {
      watch.current = null
      setNotice(current.reason === 'checkout' ? (overview.subscription?.status === 'trialing' ? TRIAL_STARTED : CONFIRMED) : null)
      return
    }
    if (Date.now() >= current.until) {
      watch.current = null
      setNotice(gaveUp(current.reason))
      return
    }
    const timer = setTimeout(() => void load('get'), pollIntervalMs)
    return () => clearTimeout(timer)
  }, [overview, settled, load, pollIntervalMs, pollTimeoutMs])

  // Coming back to the tab (from Stripe, or from anywhere) shows the latest state.
  useEffect(() => {
    const onFocus = () => void load('get')
    window.addEventListener('focus', onFocus)
    return () => window.removeEventListener('focus', onFocus)
  }, [load])

  /** An overview an action answered with (synced from Stripe after the change), shown as a fresh load. */
  const show = useCallback((next: Overview) => {
    const id = ++issued.current
    if (!mounted.current || id <= applied.current) return
    applied.current = id
    hasOverview.current = true
    setOverview(next)
    setRefreshError(null)
  }, [])

  const refresh = useCallback(() => {
    setLoadError(null)
    setNotice((previous) => (previous?.refreshable ? null : previous))
    void load('get')
  }, [load])

  // Between the return from Checkout and the subscription appearing (or giving up).
  const confirmingCheckout = notice === CONFIRMING

  return { overview, loadError, loadErrorStatus, refreshError, notice, confirmingCheckout, refresh, show }
}
