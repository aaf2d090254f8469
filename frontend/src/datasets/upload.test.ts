import { afterEach, describe, expect, it, vi } from 'vitest'

import { ApiError } from '../api/client'
import type { UploadedDataset } from '../api/types'
import { clearCookies, setCookie } from '../test/fakeServer'
import {
  formatBytes,
  IDLE_UPLOAD,
  uploadDataset,
  uploadPercent,
  uploadReducer,
  type UploadEvent,
  type UploadState,
} from './upload'

const DATASET = { id: 'd1', name: 'flowers' } as UploadedDataset

function run(events: UploadEvent[], from: UploadState = IDLE_UPLOAD): UploadState {
  return events.reduce(uploadReducer, from)
}

describe('uploadReducer', () => {
  it('follows the bytes sent, then the server’s reading, then the dataset', () => {
    let state = run([{ type: 'start', fileName: 'a.csv', total: 1000 }])
    expect(state).toEqual({ phase: 'uploading', fileName: 'a.csv', loaded: 0, total: 1000 })
    expect(uploadPercent(state)).toBe(0)
    state = uploadReducer(state, { type: 'progress', loaded: 250, total: 1000 })
    expect(uploadPercent(state)).toBe(25)
    // Progress never goes backwards.
    state = uploadReducer(state, { type: 'progress', loaded: 100, total: 1000 })
    expect(uploadPercent(state)).toBe(25)
    state = uploadReducer(state, { type: 'progress', loaded: 1000, total: 1000 })
    expect(state).toEqual({ phase: 'processing', fileName: 'a.csv', total: 1000 })
    expect(uploadPercent(state)).toBe(100)
    state = uploadReducer(state, { type: 'succeeded', dataset: DATASET })
    expect(state).toEqual({ phase: 'done', fileName: 'a.csv', dataset: DATASET })
  })

  it('counts the multipart body the browser reports rather than the file size', () => {
    const state = run([
      { type: 'start', fileName: 'a.csv', total: 1000 },
      { type: 'progress', loaded: 600, total: 1200 },
    ])
    expect(state).toMatchObject({ phase: 'uploading', loaded: 600, total: 1200 })
    expect(uploadPercent(state)).toBe(50)
  })

  it('moves to processing when the browser says the body is sent', () => {
    const state = run([{ type: 'start', fileName: 'a.csv', total: 0 }, { type: 'sent' }])
    expect(state.phase).toBe('processing')
  })

  it('keeps the server’s message when the upload fails', () => {
    const error = new ApiError(413, 'file_too_large', 'The file is larger than the upload limit of 1 MB.')
    const state = run([{ type: 'start', fileName: 'big.csv', total: 10 }, { type: 'sent' }, { type: 'failed', error }])
    expect(state).toEqual({
      phase: 'failed',
      fileName: 'big.csv',
      message: 'The file is larger than the upload limit of 1 MB.',
      code: 'file_too_large',
      status: 413,
    })
    expect(uploadPercent(state)).toBeNull()
  })

  it('ignores events after a cancel, and resets', () => {
    let state = run([
      { type: 'start', fileName: 'a.csv', total: 10 },
      { type: 'cancelled' },
      { type: 'progress', loaded: 10, total: 10 },
      { type: 'succeeded', dataset: DATASET },
    ])
    expect(state).toEqual({ phase: 'cancelled', fileName: 'a.csv' })
    state = uploadReducer(state, { type: 'reset' })
    expect(state).toBe(IDLE_UPLOAD)
  })
})

describe('formatBytes', () => {
  it('writes sizes the way people read them', () => {
    expect(formatBytes(1)).toBe('1 byte')
    expect(formatBytes(512)).toBe('512 bytes')
    expect(formatBytes(1536)).toBe('1.5 KB')
    expect(formatBytes(200 * 1024 * 1024)).toBe('200 MB')
  })
})

/** A stand-in XMLHttpRequest the test drives by hand. */
class FakeXhr {
  static last: FakeXhr | null = null
  readonly upload = new EventTarget()
  private readonly events = new EventTarget()
  method = ''
  url = ''
  headers: Record<string, string> = {}
  body: FormData | null = null
  withCredentials = false
  status = 0
  statusText = ''
  responseText = ''
  aborted = false

  constructor() {
    FakeXhr.last = this
  }
  open(method: string, url: string) {
    this.method = method
    this.url = url
  }
  setRequestHeader(name: string, value: string) {
    this.headers[name.toLowerCase()] = value
  }
  addEventListener(type: string, listener: EventListener) {
    this.events.addEventListener(type, listener)
  }
  send(body: FormData) {
    this.body = body
  }
  abort() {
    this.aborted = true
    this.events.dispatchEvent(new Event('abort'))
  }
  // Test controls
  progress(loaded: number, total: number) {
    const event = Object.assign(new Event('progress'), { loaded, total, lengthComputable: true })
    this.upload.dispatchEvent(event)
  }
  respond(status: number, body: unknown) {
    this.upload.dispatchEvent(new Event('load'))
    this.status = status
    this.responseText = JSON.stringify(body)
    this.events.dispatchEvent(new Event('load'))
  }
  fail() {
    this.events.dispatchEvent(new Event('error'))
  }
}

describe('uploadDataset', () => {
  afterEach(() => {
    clearCookies()
    FakeXhr.last = null
  })

  function install() {
    vi.stubGlobal('XMLHttpRequest', FakeXhr)
  }

  it('posts multipart form data with the CSRF token and reports progress', async () => {
    install()
    setCookie('csrftoken', 'token-1')
    const file = new File(['a,b\n1,2\n'], 'numbers.csv', { type: 'text/csv' })
    const progress: [number, number][] = []
    let sent = false
    const promise = uploadDataset(
      { file, name: '  Numbers ', description: '' },
      { onProgress: (loaded, total) => progress.push([loaded, total]), onSent: () => (sent = true) },
    )
    const xhr = FakeXhr.last!
    expect(xhr.method).toBe('POST')
    expect(xhr.url).toBe('/api/v1/datasets/')
    expect(xhr.headers['x-csrftoken']).toBe('token-1')
    expect(xhr.headers['content-type']).toBeUndefined()
    expect(xhr.body?.get('file')).toMatchObject({ name: 'numbers.csv' })
    expect(xhr.body?.get('name')).toBe('Numbers')
    expect(xhr.body?.has('description')).toBe(false)
    xhr.progress(4, 8)
    xhr.respond(201, DATASET)
    await expect(promise).resolves.toEqual(DATASET)
    expect(progress).toEqual([[4, 8]])
    expect(sent).toBe(true)
  })

  it('rejects with the server’s error envelope', async () => {
    install()
    const promise = uploadDataset({ file: new File(['x'], 'x.pdf') })
    FakeXhr.last!.respond(400, { error: { code: 'unsupported_format', message: 'PDF files cannot be read.', field: 'file' } })
    await expect(promise).rejects.toMatchObject({ status: 400, code: 'unsupported_format', message: 'PDF files cannot be read.' })
  })

  it('explains a connection cut off mid-upload, and cancels on abort', async () => {
    install()
    const failing = uploadDataset({ file: new File(['x'], 'x.csv') })
    FakeXhr.last!.fail()
    await expect(failing).rejects.toMatchObject({ code: 'network_error' })

    const controller = new AbortController()
    const cancelled = uploadDataset({ file: new File(['x'], 'x.csv') }, { signal: controller.signal })
    controller.abort()
    await expect(cancelled).rejects.toMatchObject({ name: 'AbortError' })
    expect(FakeXhr.last!.aborted).toBe(true)
  })
})
