import type { ReactNode } from 'react'

import { useDocumentTitle } from '../useDocumentTitle'

/** A page that exists in the navigation but whose content is still to be built. */
export function PlaceholderPage({ title, children }: { title: string; children?: ReactNode }) {
  useDocumentTitle(title)
  return (
    <section className="placeholder-page">
      <h1>{title}</h1>
      {children}
    </section>
  )
}
