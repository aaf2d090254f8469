import { useQuery } from '@tanstack/react-query'

import { api, isApiError } from './client'

export interface CurrentUser {
  username: string
}

export interface Credentials {
  username: string
  password: string
}

export const AUTH_ENDPOINTS = {
  csrf: '/api/v1/auth/csrf/',
  login: '/api/v1/auth/login/',
  logout: '/api/v1/auth/logout/',
  me: '/api/v1/auth/me/',
} as const

export const currentUserQueryKey = ['auth', 'me'] as const

/** Asks Django to set the `csrftoken` cookie that the login POST must echo back. */
export async function fetchCsrfCookie(): Promise<void> {
  await api.get<unknown>(AUTH_ENDPOINTS.csrf)
}

export async function logIn(credentials: Credentials): Promise<void> {
  // A first visit has no csrftoken cookie yet, and a stale one would be
  // refused, so always fetch a fresh one right before logging in.
  await fetchCsrfCookie()
  await api.post<unknown>(AUTH_ENDPOINTS.login, credentials)
}

export async function logOut(): Promise<void> {
  await api.post<unknown>(AUTH_ENDPOINTS.logout)
}

/** The signed-in user, or null when the session is anonymous (401/403). */
export async function fetchCurrentUser(): Promise<CurrentUser | null> {
  try {
    return await api.get<CurrentUser>(AUTH_ENDPOINTS.me)
  } catch (error) {
    if (isApiError(error) && (error.status === 401 || error.status === 403)) return null
    throw error
  }
}

export function useCurrentUser() {
  return useQuery({
    queryKey: currentUserQueryKey,
    queryFn: fetchCurrentUser,
    staleTime: 60_000,
  })
}
