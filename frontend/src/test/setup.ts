import '@testing-library/jest-dom/vitest'
import { cleanup, configure } from '@testing-library/react'
import { afterEach } from 'vitest'

afterEach(() => {
  cleanup()
})

// Pages load lazily (the designer chunk): on a busy machine that can take more than the default 1 s.
configure({ asyncUtilTimeout: 5000 })

// jsdom lays nothing out, but React Flow measures its container and nodes.
// These stand-ins give it a fixed-size world so the canvas renders in tests.
class ResizeObserverStandIn {
  private readonly callback: ResizeObserverCallback
  constructor(callback: ResizeObserverCallback) {
    this.callback = callback
  }
  observe(target: Element) {
    this.callback([{ target } as ResizeObserverEntry], this as unknown as ResizeObserver)
  }
  unobserve() {}
  disconnect() {}
}

class DOMMatrixReadOnlyStandIn {
  m22: number
  constructor(transform?: string) {
    const scale = transform?.match(/scale\(([0-9.]+)\)/)?.[1]
    this.m22 = scale === undefined ? 1 : Number(scale)
  }
}

globalThis.ResizeObserver ??= ResizeObserverStandIn as unknown as typeof ResizeObserver
globalThis.DOMMatrixReadOnly ??= DOMMatrixReadOnlyStandIn as unknown as typeof DOMMatrixReadOnly

Object.defineProperties(HTMLElement.prototype, {
  offsetWidth: { configurable: true, get: () => 800 },
  offsetHeight: { configurable: true, get: () => 600 },
})

// jsdom has no matchMedia; React Flow's colorMode="system" asks for it.
window.matchMedia ??= (query: string) =>
  ({
    matches: false,
    media: query,
    onchange: null,
    addEventListener: () => {},
    removeEventListener: () => {},
    addListener: () => {},
    removeListener: () => {},
    dispatchEvent: () => false,
  }) as MediaQueryList
