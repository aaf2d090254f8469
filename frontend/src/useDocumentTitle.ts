import { useEffect } from 'react'

const PRODUCT_NAME = 'ML Designer'

/** Gives each page its own tab title, which screen readers announce on navigation. */
export function useDocumentTitle(pageTitle: string): void {
  useEffect(() => {
    document.title = `${pageTitle} · ${PRODUCT_NAME}`
  }, [pageTitle])
}
