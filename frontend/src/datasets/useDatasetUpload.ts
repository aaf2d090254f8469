import { useQueryClient } from '@tanstack/react-query'
import { useCallback, useEffect, useReducer, useRef } from 'react'

import { queryKeys } from '../api/resources'
import type { UploadedDataset } from '../api/types'
import { IDLE_UPLOAD, isAbort, uploadDataset, uploadReducer, type UploadFields } from './upload'

/** One upload at a time: start it, follow its progress, cancel it. */
export function useDatasetUpload(onUploaded?: (dataset: UploadedDataset) => void) {
  const [state, dispatch] = useReducer(uploadReducer, IDLE_UPLOAD)
  const queryClient = useQueryClient()
  const controller = useRef<AbortController | null>(null)
  const uploaded = useRef(onUploaded)
  useEffect(() => {
    uploaded.current = onUploaded
  }, [onUploaded])

  // Leaving the page stops an upload in flight.
  useEffect(() => () => controller.current?.abort(), [])

  const start = useCallback(
    async (fields: UploadFields) => {
      controller.current?.abort()
      const current = new AbortController()
      controller.current = current
      dispatch({ type: 'start', fileName: fields.file.name, total: fields.file.size })
      try {
        const dataset = await uploadDataset(fields, {
          signal: current.signal,
          onProgress: (loaded, total) => dispatch({ type: 'progress', loaded, total }),
          onSent: () => dispatch({ type: 'sent' }),
        })
        dispatch({ type: 'succeeded', dataset })
        void queryClient.invalidateQueries({ queryKey: queryKeys.datasets })
        uploaded.current?.(dataset)
      } catch (error) {
        dispatch(isAbort(error) ? { type: 'cancelled' } : { type: 'failed', error })
      } finally {
        if (controller.current === current) controller.current = null
      }
    },
    [queryClient],
  )

  const cancel = useCallback(() => controller.current?.abort(), [])
  const reset = useCallback(() => dispatch({ type: 'reset' }), [])
  return { state, start, cancel, reset }
}
