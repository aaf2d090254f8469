/**
 * Endpoint keys the user was shown in this tab (on deploy, or after regenerating one). The server
 * keeps only their hashes, so this is the only place the Test form can find a key; it lives in memory
 * and is gone on reload, never written to storage.
 */
import { useSyncExternalStore } from 'react'

import type { KeySlot } from '../api/types'

type Keys = Partial<Record<KeySlot, string>>

let keysByEndpoint: Readonly<Record<string, Keys>> = {}
const listeners = new Set<() => void>()

export function rememberKeys(endpoint: string, keys: Keys): void {
  keysByEndpoint = { ...keysByEndpoint, [endpoint]: { ...keysByEndpoint[endpoint], ...keys } }
  for (const listener of listeners) listener()
}

export function forgetAllKeys(): void {
  keysByEndpoint = {}
  for (const listener of listeners) listener()
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener)
  return () => listeners.delete(listener)
}

const NO_KEYS: Keys = {}

export function useRememberedKeys(endpoint: string): Keys {
  return useSyncExternalStore(subscribe, () => keysByEndpoint[endpoint] ?? NO_KEYS)
}
