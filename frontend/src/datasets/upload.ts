/**
 * Uploading a dataset file from the browser, with progress.
 *
 * fetch() cannot report upload progress (a streaming request body needs HTTP/2 and is not sent by
 * every browser), so the file goes up with XMLHttpRequest, whose `upload` object fires progress
 * events. The state of one upload is a small reducer, so the screen and the tests read the same
 * transitions: idle → uploading (bytes sent) → processing (the server reads and checks the file) →
 * done, or failed / cancelled at any point.
 */
import { ApiError, buildRequestHeaders, errorFromResponseBody } from '../api/client'
import type { UploadedDataset } from '../api/types'

export const UPLOAD_URL = '/api/v1/datasets/'

export type UploadState =
  | { phase: 'idle' }
  | { phase: 'uploading'; fileName: string; loaded: number; total: number }
  | { phase: 'processing'; fileName: string; total: number }
  | { phase: 'done'; fileName: string; dataset: UploadedDataset }
  | { phase: 'failed'; fileName: string; message: string; code: string; status: number }
  | { phase: 'cancelled'; fileName: string }

export type UploadEvent =
  | { type: 'start'; fileName: string; total: number }
  | { type: 'progress'; loaded: number; total: number }
  | { type: 'sent' }
  | { type: 'succeeded'; dataset: UploadedDataset }
  | { type: 'failed'; error: unknown }
  | { type: 'cancelled' }
  | { type: 'reset' }

export const IDLE_UPLOAD: UploadState = { phase: 'idle' }

export function isUploadActive(
  state: UploadState,
): state is Extract<UploadState, { phase: 'uploading' | 'processing' }> {
  return state.phase === 'uploading' || state.phase === 'processing'
}

export function uploadReducer(state: UploadState, event: UploadEvent): UploadState {
  switch (event.type) {
    case 'start':
      return { phase: 'uploading', fileName: event.fileName, loaded: 0, total: event.total }
    case 'progress': {
      // Late progress events (after the last byte, or after a cancel) change nothing.
      if (state.phase !== 'uploading') return state
      const total = event.total > 0 ? event.total : state.total
      const loaded = Math.min(Math.max(event.loaded, state.loaded), total)
      if (total > 0 && loaded >= total) return { phase: 'processing', fileName: state.fileName, total }
      return { ...state, loaded, total }
    }
    case 'sent':
      if (state.phase !== 'uploading') return state
      return { phase: 'processing', fileName: state.fileName, total: state.total }
    case 'succeeded':
      if (!isUploadActive(state)) return state
      return { phase: 'done', fileName: state.fileName, dataset: event.dataset }
    case 'failed': {
      if (!isUploadActive(state)) return state
      const error = event.error
      return {
        phase: 'failed',
        fileName: state.fileName,
        message: error instanceof Error && error.message ? error.message : 'The upload failed. Please try again.',
        code: error instanceof ApiError ? error.code : 'error',
        status: error instanceof ApiError ? error.status : 0,
      }
    }
    case 'cancelled':
      if (!isUploadActive(state)) return state
      return { phase: 'cancelled', fileName: state.fileName }
    case 'reset':
      return IDLE_UPLOAD
  }
}

/** Whole percent of the bytes sent, or null when the size is unknown. */
export function uploadPercent(state: UploadState): number | null {
  if (state.phase === 'processing' || state.phase === 'done') return 100
  if (state.phase !== 'uploading' || state.total <= 0) return null
  return Math.floor((state.loaded / state.total) * 100)
}

const UNITS = ['bytes', 'KB', 'MB', 'GB'] as const

/** "1.5 MB": sizes as people read them (powers of 1024, like the server's messages). */
export function formatBytes(bytes: number): string {
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024
    unit += 1
  }
  if (unit === 0) return `${bytes} ${bytes === 1 ? 'byte' : 'bytes'}`
  return `${value >= 100 ? Math.round(value) : value.toFixed(1)} ${UNITS[unit]}`
}

export interface UploadFields {
  file: File
  name?: string
  description?: string
}

export interface UploadCallbacks {
  onProgress?: (loaded: number, total: number) => void
  /** Every byte is sent: the server is now reading the file. */
  onSent?: () => void
  signal?: AbortSignal
}

function parseJson(text: string): unknown {
  if (!text) return undefined
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/** Sends the file as multipart form data (field "file"), with the session cookie and CSRF token. */
export function uploadDataset(fields: UploadFields, callbacks: UploadCallbacks = {}): Promise<UploadedDataset> {
  const { onProgress, onSent, signal } = callbacks
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new DOMException('The upload was cancelled.', 'AbortError'))
      return
    }
    const form = new FormData()
    form.append('file', fields.file, fields.file.name)
    if (fields.name?.trim()) form.append('name', fields.name.trim())
    if (fields.description?.trim()) form.append('description', fields.description.trim())

    const request = new XMLHttpRequest()
    request.open('POST', UPLOAD_URL)
    request.withCredentials = true
    // The browser sets the multipart Content-Type with its boundary itself.
    buildRequestHeaders('POST', { hasJsonBody: false }).forEach((value, name) => request.setRequestHeader(name, value))

    request.upload.addEventListener('progress', (event) => {
      onProgress?.(event.loaded, event.lengthComputable ? event.total : fields.file.size)
    })
    request.upload.addEventListener('load', () => onSent?.())

    const onAbort = () => request.abort()
    signal?.addEventListener('abort', onAbort, { once: true })
    const settle = () => signal?.removeEventListener('abort', onAbort)

    request.addEventListener('load', () => {
      settle()
      const body = parseJson(request.responseText)
      if (request.status >= 200 && request.status < 300) resolve(body as UploadedDataset)
      else reject(errorFromResponseBody(request.status, request.statusText, body))
    })
    request.addEventListener('error', () => {
      settle()
      // The server closes the connection on a body past its limit before it can answer.
      reject(
        new ApiError(
          0,
          'network_error',
          'The upload was interrupted before the server answered. Check your connection; a very large file may be over the upload limit.',
        ),
      )
    })
    request.addEventListener('abort', () => {
      settle()
      reject(new DOMException('The upload was cancelled.', 'AbortError'))
    })
    request.send(form)
  })
}

export function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError'
}
