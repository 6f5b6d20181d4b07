/** CodeMirror 6 for the code node (a lazy chunk: it loads only when a code node's panel opens). */
import { javascript } from '@codemirror/lang-javascript'
import { python } from '@codemirror/lang-python'
import { basicSetup, EditorView } from 'codemirror'
import { useEffect, useRef } from 'react'

export default function CodeEditor({ value, language, onChange }: {
  value: string; language: string; onChange: (value: string) => void
}) {
  const host = useRef<HTMLDivElement>(null)
  const changed = useRef(onChange)
  changed.current = onChange
  useEffect(() => {
    const view = new EditorView({
      doc: value,
      parent: host.current!,
      extensions: [
        basicSetup,
        language === 'javascript' ? javascript() : python(),
        EditorView.updateListener.of((update) => {
          if (update.docChanged) changed.current(update.state.doc.toString())
        }),
      ],
    })
    return () => view.destroy()
    // The editor owns the text while mounted; it is re-created per node and per language.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [language])
  return <div ref={host} className="code-editor" data-testid="code-editor" />
}
