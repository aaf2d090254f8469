import { python } from '@codemirror/lang-python'
import { sql } from '@codemirror/lang-sql'
import { EditorView } from '@codemirror/view'
import CodeMirror from '@uiw/react-codemirror'
import { useMemo } from 'react'

import { usePrefersDark } from '../usePrefersDark'

export interface CodeEditorProps {
  value: string
  onChange: (value: string) => void
  language?: string
  label: string
  describedBy?: string
  readOnly?: boolean
}

/** CodeMirror with the script's language; loaded only when a code parameter is shown. */
export default function CodeEditor({ value, onChange, language, label, describedBy, readOnly }: CodeEditorProps) {
  const dark = usePrefersDark()
  const extensions = useMemo(
    () => [
      language === 'sql' ? sql() : python(),
      EditorView.lineWrapping,
      // The editable element is what screen readers land on: give it the field's name.
      EditorView.contentAttributes.of({
        'aria-label': label,
        ...(describedBy ? { 'aria-describedby': describedBy } : {}),
      }),
    ],
    [describedBy, label, language],
  )
  return (
    <CodeMirror
      className="code-editor"
      value={value}
      onChange={onChange}
      extensions={extensions}
      theme={dark ? 'dark' : 'light'}
      readOnly={readOnly}
      editable={!readOnly}
      minHeight="8rem"
      maxHeight="24rem"
      basicSetup={{ foldGutter: false, highlightActiveLine: !readOnly }}
    />
  )
}
