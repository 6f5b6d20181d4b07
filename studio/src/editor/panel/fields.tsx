/** Small form controls of the node panel: labelled input, variable picker, template text with references. */
import { type ReactNode, useRef } from 'react'
import type { VarGroup } from '../variables'
import { brokenReferences } from '../variables'

export function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <label className="block space-y-1">
      <span className="text-xs font-medium text-slate-500">{label}</span>
      {children}
    </label>
  )
}

export function TextInput(props: { value: string; onChange: (v: string) => void; placeholder?: string; label?: string }) {
  return (
    <input
      className="input"
      aria-label={props.label}
      value={props.value}
      placeholder={props.placeholder}
      onChange={(e) => props.onChange(e.target.value)}
    />
  )
}

const key = (selector: unknown) => (Array.isArray(selector) ? selector.join('.') : '')

/** A `{{#node.var#}}` picker: only upstream variables are offered; a reference to anything else is flagged. */
export function VarSelect({
  value,
  groups,
  onChange,
  label,
}: {
  value: unknown
  groups: VarGroup[]
  onChange: (selector: string[]) => void
  label: string
}) {
  const current = key(value)
  const known = groups.some((g) => g.vars.some((v) => `${g.nodeId}.${v.name}` === current))
  return (
    <select
      className={`input ${current && !known ? 'border-red-500 text-red-700' : ''}`}
      aria-label={label}
      value={current}
      onChange={(e) => onChange(e.target.value ? e.target.value.split('.') : [])}
    >
      <option value="">Select a variable…</option>
      {current && !known ? <option value={current}>{current} (not upstream)</option> : null}
      {groups.map((g) => (
        <optgroup key={g.nodeId} label={g.title}>
          {g.vars.map((v) => (
            <option key={v.name} value={`${g.nodeId}.${v.name}`}>
              {g.title}.{v.name} ({v.type})
            </option>
          ))}
        </optgroup>
      ))}
    </select>
  )
}

/** Text with `{{#node.var#}}` references: an insert picker and a live list of broken ones. */
export function TemplateText({
  value,
  onChange,
  groups,
  label,
  rows = 4,
}: {
  value: string
  onChange: (v: string) => void
  groups: VarGroup[]
  label: string
  rows?: number
}) {
  const area = useRef<HTMLTextAreaElement>(null)
  const broken = brokenReferences(value, groups)
  const insert = (path: string) => {
    const el = area.current
    const at = el ? el.selectionStart : value.length
    onChange(`${value.slice(0, at)}{{#${path}#}}${value.slice(at)}`)
  }
  return (
    <div className="space-y-1">
      <textarea
        ref={area}
        className="input font-mono text-xs"
        aria-label={label}
        rows={rows}
        value={value}
        onChange={(e) => onChange(e.target.value)}
      />
      <select className="input text-xs" aria-label={`Insert a variable into ${label}`} value=""
        onChange={(e) => e.target.value && insert(e.target.value)}>
        <option value="">Insert variable…</option>
        {groups.map((g) => (
          <optgroup key={g.nodeId} label={g.title}>
            {g.vars.map((v) => (
              <option key={v.name} value={`${g.nodeId}.${v.name}`}>
                {g.title}.{v.name}
              </option>
            ))}
          </optgroup>
        ))}
      </select>
      {broken.length ? (
        <p className="text-xs text-red-600" role="alert">
          Unknown variable{broken.length > 1 ? 's' : ''}: {broken.join(', ')}
        </p>
      ) : null}
    </div>
  )
}

export function Rows<T>({
  items,
  render,
  onAdd,
  onRemove,
  addLabel,
}: {
  items: T[]
  render: (item: T, index: number) => ReactNode
  onAdd: () => void
  onRemove: (index: number) => void
  addLabel: string
}) {
  return (
    <div className="space-y-2">
      {items.map((item, i) => (
        <div key={i} className="flex items-start gap-1">
          <div className="flex-1 space-y-1">{render(item, i)}</div>
          <button type="button" className="btn-ghost text-xs" aria-label="Remove" onClick={() => onRemove(i)}>
            Remove
          </button>
        </div>
      ))}
      {/* named by its own text, not by the Field label around it */}
      <button type="button" className="btn-ghost text-xs" onClick={onAdd} aria-label={addLabel}>
        + {addLabel}
      </button>
    </div>
  )
}
