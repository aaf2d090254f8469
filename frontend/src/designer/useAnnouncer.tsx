import { useCallback, useState } from 'react'

/** A polite live region: what just happened, for screen-reader users. */
export function useAnnouncer() {
  const [message, setMessage] = useState('')
  const announce = useCallback((text: string) => {
    setMessage('')
    requestAnimationFrame(() => setMessage(text))
  }, [])
  const region = (
    <p className="visually-hidden" role="status" aria-live="polite" data-testid="announcer">
      {message}
    </p>
  )
  return { announce, region }
}
