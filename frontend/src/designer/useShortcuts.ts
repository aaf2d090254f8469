import { useEffect, useRef } from 'react'

import type { Graph } from '../api/types'
import { parseClipboard, rememberCopied, selectionFragment } from './clipboard'
import type { DesignerStore } from './store'

export const SHORTCUTS: readonly [keys: string, action: string][] = [
  ['Ctrl + Z', 'Undo'],
  ['Ctrl + Shift + Z  or  Ctrl + Y', 'Redo'],
  ['Ctrl + C / Ctrl + X', 'Copy / cut the selected modules (pastes into any pipeline, in any tab)'],
  ['Ctrl + V', 'Paste'],
  ['Delete  or  Backspace', 'Delete the selection'],
  ['Ctrl + A', 'Select every module'],
  ['Shift + drag', 'Select modules inside a box'],
  ['Ctrl + click', 'Add a module to the selection'],
  ['Arrow keys', 'Move the focused module'],
  ['Tab', 'Move between modules and panels'],
  ['Enter  or  double-click (palette)', 'Add a module to the middle of the canvas'],
  ['Shift + F10  or  right-click', 'Module actions: run from here, outputs, logs'],
  ['L', 'Auto-layout'],
  ['F', 'Fit the pipeline to the view'],
  ['Ctrl + Enter', 'Submit'],
  ['Escape', 'Clear the selection, close the outputs drawer'],
  ['?', 'Show these shortcuts'],
]

function isEditable(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false
  if (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName)) return true
  // Keys typed inside a dialog or menu belong to it.
  return Boolean(target.closest('[role="dialog"], [role="menu"]'))
}

export interface ShortcutHandlers {
  onFit: () => void
  onLayout: () => void
  onHelp: () => void
  onSubmit?: () => void
  onPaste: (graph: Graph) => void
}

/** Keyboard shortcuts and clipboard events of the canvas page. */
export function useShortcuts(store: DesignerStore, handlers: ShortcutHandlers) {
  const latest = useRef(handlers)
  useEffect(() => {
    latest.current = handlers
  })

  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.defaultPrevented || isEditable(event.target)) return
      const state = store.getState()
      const mod = event.ctrlKey || event.metaKey
      const key = event.key.toLowerCase()
      const act = (action: () => void) => {
        event.preventDefault()
        action()
      }
      if (mod && key === 'z') act(event.shiftKey ? state.redo : state.undo)
      else if (mod && key === 'y') act(state.redo)
      else if (mod && key === 'a') act(state.selectAll)
      else if (mod && key === 'enter' && latest.current.onSubmit) act(latest.current.onSubmit)
      else if (mod || event.altKey) return
      else if (key === 'delete' || key === 'backspace') act(state.deleteSelection)
      else if (key === 'l' && !state.readOnly) act(latest.current.onLayout)
      else if (key === 'f') act(latest.current.onFit)
      else if (event.key === '?') act(latest.current.onHelp)
      else if (key === 'escape') state.selectNodes([])
    }

    const onCopyOrCut = (event: ClipboardEvent) => {
      if (isEditable(event.target) || window.getSelection()?.toString()) return
      const { nodes, edges, readOnly, deleteSelection } = store.getState()
      const payload = selectionFragment(nodes, edges)
      if (!payload) return
      const text = JSON.stringify(payload)
      event.clipboardData?.setData('text/plain', text)
      rememberCopied(text)
      event.preventDefault()
      if (event.type === 'cut' && !readOnly) deleteSelection()
    }

    const onPaste = (event: ClipboardEvent) => {
      if (isEditable(event.target) || store.getState().readOnly) return
      const graph = parseClipboard(event.clipboardData?.getData('text/plain') ?? '')
      if (!graph) return
      event.preventDefault()
      latest.current.onPaste(graph)
    }

    window.addEventListener('keydown', onKeyDown)
    document.addEventListener('copy', onCopyOrCut)
    document.addEventListener('cut', onCopyOrCut)
    document.addEventListener('paste', onPaste)
    return () => {
      window.removeEventListener('keydown', onKeyDown)
      document.removeEventListener('copy', onCopyOrCut)
      document.removeEventListener('cut', onCopyOrCut)
      document.removeEventListener('paste', onPaste)
    }
  }, [store])
}
