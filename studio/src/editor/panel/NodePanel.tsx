/** The side panel: the selected node's title, description and its type's key configuration. */
import { X } from 'lucide-react'
import { lazy, Suspense, useMemo } from 'react'
import type { AppMode } from '../../api/types'
import { blockOf, type NodeData, supportsErrorStrategy } from '../blocks'
import { useDoc } from '../docStore'
import { canRunAlone } from '../singleStep'
import { useUi } from '../uiStore'
import { availableVars, childVars, type VarGroup } from '../variables'
import { Field, Rows, TemplateText, TextInput, VarSelect } from './fields'
import { StepRun } from './StepRun'

const CodeEditor = lazy(() => import('./CodeEditor'))

type Update = (patch: Partial<NodeData>, key?: string) => void
type Sel = { variable: string; value_selector: string[] }

const OPERATORS = ['contains', 'not contains', 'start with', 'end with', 'is', 'is not', 'empty', 'not empty',
  '=', '≠', '>', '<', '≥', '≤']

function SelectorRows({ items, groups, update, field, add }: {
  items: Sel[]; groups: VarGroup[]; update: Update; field: string; add: string
}) {
  const set = (next: Sel[]) => update({ [field]: next }, field)
  return (
    <Rows
      items={items}
      addLabel={add}
      onAdd={() => set([...items, { variable: `var${items.length + 1}`, value_selector: [] }])}
      onRemove={(i) => set(items.filter((_, j) => j !== i))}
      render={(item, i) => (
        <>
          <TextInput label={`${field} ${i + 1} name`} value={item.variable}
            onChange={(v) => set(items.map((x, j) => (j === i ? { ...x, variable: v } : x)))} />
          <VarSelect label={`${field} ${i + 1} value`} groups={groups} value={item.value_selector}
            onChange={(s) => set(items.map((x, j) => (j === i ? { ...x, value_selector: s } : x)))} />
        </>
      )}
    />
  )
}

function TypeForm({ data, update, groups, nodeId }: { data: NodeData; update: Update; groups: VarGroup[]; nodeId: string }) {
  switch (data.type) {
    case 'start': {
      const vars = (data.variables as Record<string, unknown>[]) ?? []
      const set = (next: Record<string, unknown>[]) => update({ variables: next }, 'variables')
      return (
        <Field label="Input variables">
          <Rows items={vars} addLabel="Add input" onRemove={(i) => set(vars.filter((_, j) => j !== i))}
            onAdd={() => set([...vars, { variable: `input${vars.length + 1}`, label: `input${vars.length + 1}`,
              type: 'text-input', required: true, options: [], max_length: null }])}
            render={(v, i) => (
              <div className="flex gap-1">
                <TextInput label={`Input ${i + 1} name`} value={String(v.variable ?? '')}
                  onChange={(x) => set(vars.map((y, j) => (j === i ? { ...y, variable: x, label: x } : y)))} />
                <select className="input w-28" aria-label={`Input ${i + 1} type`} value={String(v.type)}
                  onChange={(e) => set(vars.map((y, j) => (j === i ? { ...y, type: e.target.value } : y)))}>
                  {['text-input', 'paragraph', 'number', 'select', 'file'].map((t) => <option key={t}>{t}</option>)}
                </select>
              </div>
            )} />
        </Field>
      )
    }
    case 'end': {
      const outputs = (data.outputs as Sel[]) ?? []
      return <Field label="Outputs"><SelectorRows items={outputs} groups={groups} update={update} field="outputs" add="Add output" /></Field>
    }
    case 'answer':
      return <Field label="Answer"><TemplateText label="Answer" value={String(data.answer ?? '')} groups={groups}
        onChange={(v) => update({ answer: v }, 'answer')} /></Field>
    case 'llm': {
      const model = (data.model as Record<string, unknown>) ?? {}
      const prompts = (data.prompt_template as { role: string; text: string }[]) ?? []
      return (
        <>
          <Field label="Model"><TextInput label="Model name" value={String(model.name ?? '')}
            onChange={(v) => update({ model: { ...model, name: v } }, 'model')} /></Field>
          <Field label="Provider"><TextInput label="Model provider" value={String(model.provider ?? '')}
            onChange={(v) => update({ model: { ...model, provider: v } }, 'provider')} /></Field>
          {prompts.map((p, i) => (
            <Field key={i} label={`${p.role} prompt`}>
              <TemplateText label={`${p.role} prompt`} value={p.text ?? ''} groups={groups}
                onChange={(v) => update({ prompt_template: prompts.map((x, j) => (j === i ? { ...x, text: v } : x)) }, `prompt${i}`)} />
            </Field>
          ))}
        </>
      )
    }
    case 'code': {
      const outputs = (data.outputs as Record<string, { type: string; children: null }>) ?? {}
      const rows = Object.entries(outputs).map(([name, v]) => ({ name, type: v?.type ?? 'string' }))
      const setOutputs = (next: { name: string; type: string }[]) =>
        update({ outputs: Object.fromEntries(next.map((o) => [o.name, { type: o.type, children: null }])) }, 'outputs')
      return (
        <>
          <Field label="Input variables"><SelectorRows items={(data.variables as Sel[]) ?? []} groups={groups} update={update} field="variables" add="Add input" /></Field>
          <Field label="Language">
            <select className="input" aria-label="Code language" value={String(data.code_language ?? 'python3')}
              onChange={(e) => update({ code_language: e.target.value })}>
              <option value="python3">python3</option>
              <option value="javascript">javascript</option>
            </select>
          </Field>
          <Field label="Code">
            <Suspense fallback={<div className="text-xs text-slate-400">Loading editor…</div>}>
              <CodeEditor key={nodeId} value={String(data.code ?? '')} language={String(data.code_language ?? 'python3')}
                onChange={(v) => update({ code: v }, 'code')} />
            </Suspense>
          </Field>
          <Field label="Output variables">
            <Rows items={rows} addLabel="Add output" onRemove={(i) => setOutputs(rows.filter((_, j) => j !== i))}
              onAdd={() => setOutputs([...rows, { name: `out${rows.length + 1}`, type: 'string' }])}
              render={(o, i) => (
                <div className="flex gap-1">
                  <TextInput label={`Output ${i + 1} name`} value={o.name}
                    // Outputs are keyed by name: taking another row's name would drop that row (Dify refuses it too).
                    onChange={(v) => { if (!rows.some((x, j) => j !== i && x.name === v)) setOutputs(rows.map((x, j) => (j === i ? { ...x, name: v } : x))) }} />
                  <select className="input w-28" aria-label={`Output ${i + 1} type`} value={o.type}
                    onChange={(e) => setOutputs(rows.map((x, j) => (j === i ? { ...x, type: e.target.value } : x)))}>
                    {['string', 'number', 'object', 'array[string]', 'array[number]', 'array[object]'].map((t) => <option key={t}>{t}</option>)}
                  </select>
                </div>
              )} />
          </Field>
        </>
      )
    }
    case 'template-transform':
      return (
        <>
          <Field label="Input variables"><SelectorRows items={(data.variables as Sel[]) ?? []} groups={groups} update={update} field="variables" add="Add input" /></Field>
          <Field label="Template (Jinja2)"><textarea className="input font-mono text-xs" rows={5} aria-label="Template"
            value={String(data.template ?? '')} onChange={(e) => update({ template: e.target.value }, 'template')} /></Field>
        </>
      )
    case 'if-else': {
      type Cond = { id: string; variable_selector: string[]; comparison_operator: string; value: string; varType?: string }
      type Case = { case_id: string; id: string; logical_operator: string; conditions: Cond[] }
      const cases = (data.cases as Case[]) ?? []
      const set = (next: Case[]) => update({ cases: next }, 'cases')
      return (
        <Field label="Cases">
          <Rows items={cases} addLabel="Add ELIF" onRemove={(i) => set(cases.filter((_, j) => j !== i))}
            onAdd={() => { const id = crypto.randomUUID(); set([...cases, { case_id: id, id, logical_operator: 'and', conditions: [] }]) }}
            render={(c, i) => (
              <div className="rounded border border-slate-200 p-2">
                <div className="text-xs font-semibold">{i === 0 ? 'IF' : 'ELIF'}</div>
                <Rows items={c.conditions} addLabel="Add condition"
                  onRemove={(k) => set(cases.map((x, j) => (j === i ? { ...x, conditions: x.conditions.filter((_, m) => m !== k) } : x)))}
                  onAdd={() => set(cases.map((x, j) => (j === i ? { ...x, conditions: [...x.conditions,
                    { id: crypto.randomUUID(), variable_selector: [], comparison_operator: 'contains', value: '', varType: 'string' }] } : x)))}
                  render={(cond, k) => {
                    const put = (patch: Partial<Cond>) => set(cases.map((x, j) => (j === i ? { ...x,
                      conditions: x.conditions.map((y, m) => (m === k ? { ...y, ...patch } : y)) } : x)))
                    return (
                      <>
                        <VarSelect label={`Case ${i + 1} condition ${k + 1} variable`} groups={groups} value={cond.variable_selector} onChange={(s) => put({ variable_selector: s })} />
                        <div className="flex gap-1">
                          <select className="input w-28" aria-label="Operator" value={cond.comparison_operator} onChange={(e) => put({ comparison_operator: e.target.value })}>
                            {OPERATORS.map((o) => <option key={o}>{o}</option>)}
                          </select>
                          <TextInput label="Value" value={String(cond.value ?? '')} onChange={(v) => put({ value: v })} />
                        </div>
                      </>
                    )
                  }} />
              </div>
            )} />
          <p className="text-xs text-slate-500">ELSE: the last branch.</p>
        </Field>
      )
    }
    case 'question-classifier': {
      const classes = (data.classes as { id: string; name: string }[]) ?? []
      const set = (next: typeof classes) => update({ classes: next }, 'classes')
      return (
        <>
          <Field label="Query"><VarSelect label="Query variable" groups={groups} value={data.query_variable_selector}
            onChange={(s) => update({ query_variable_selector: s })} /></Field>
          <Field label="Classes">
            <Rows items={classes} addLabel="Add class" onRemove={(i) => set(classes.filter((_, j) => j !== i))}
              onAdd={() => set([...classes, { id: String(Math.max(0, ...classes.map((c) => Number(c.id) || 0)) + 1), name: '' }])}
              render={(c, i) => <TextInput label={`Class ${i + 1}`} value={c.name} onChange={(v) => set(classes.map((x, j) => (j === i ? { ...x, name: v } : x)))} />} />
          </Field>
        </>
      )
    }
    case 'http-request':
      return (
        <>
          <Field label="Method">
            <select className="input" aria-label="Method" value={String(data.method ?? 'get')} onChange={(e) => update({ method: e.target.value })}>
              {['get', 'post', 'put', 'patch', 'delete', 'head'].map((m) => <option key={m}>{m}</option>)}
            </select>
          </Field>
          <Field label="URL"><TemplateText label="URL" rows={2} value={String(data.url ?? '')} groups={groups} onChange={(v) => update({ url: v }, 'url')} /></Field>
        </>
      )
    case 'knowledge-retrieval':
      return (
        <>
          <Field label="Query"><VarSelect label="Query variable" groups={groups} value={data.query_variable_selector}
            onChange={(s) => update({ query_variable_selector: s })} /></Field>
          <Field label="Knowledge base ids (comma-separated)"><TextInput label="Dataset ids" value={((data.dataset_ids as string[]) ?? []).join(',')}
            onChange={(v) => update({ dataset_ids: v.split(',').map((x) => x.trim()).filter(Boolean) }, 'datasets')} /></Field>
        </>
      )
    case 'iteration':
      return (
        <>
          <Field label="Input list"><VarSelect label="Iterator variable" groups={groups} value={data.iterator_selector}
            onChange={(s) => update({ iterator_selector: s })} /></Field>
          <Field label="Output variable"><VarSelect label="Output variable" groups={childVars(nodeId, useDoc.getState().nodes)}
            value={data.output_selector} onChange={(s) => update({ output_selector: s })} /></Field>
        </>
      )
    case 'loop':
      return <Field label="Maximum loops"><input className="input" type="number" aria-label="Loop count" min={1}
        value={Number(data.loop_count ?? 10)} onChange={(e) => update({ loop_count: Number(e.target.value) }, 'loop_count')} /></Field>
    case 'variable-aggregator': {
      const vars = ((data.variables as string[][]) ?? []).map((s) => ({ variable: '', value_selector: s }))
      return (
        <Field label="Variables (first non-empty wins)">
          <Rows items={vars} addLabel="Add variable" onAdd={() => update({ variables: [...vars.map((v) => v.value_selector), []] })}
            onRemove={(i) => update({ variables: vars.filter((_, j) => j !== i).map((v) => v.value_selector) })}
            render={(v, i) => <VarSelect label={`Variable ${i + 1}`} groups={groups} value={v.value_selector}
              onChange={(s) => update({ variables: vars.map((x, j) => (j === i ? s : x.value_selector)) })} />} />
        </Field>
      )
    }
    default:
      return <pre className="max-h-64 overflow-auto rounded bg-slate-50 p-2 text-xs">{JSON.stringify(data, null, 2)}</pre>
  }
}

export function NodePanel({ mode, appId }: { mode: AppMode; appId: string }) {
  const id = useUi((s) => s.panelNodeId)
  const node = useDoc((s) => (id ? s.nodes.find((n) => n.id === id) : undefined))
  const edges = useDoc((s) => s.edges)
  const nodeCount = useDoc((s) => s.nodes.length)
  const groups = useMemo(
    () => (id ? availableVars(id, useDoc.getState().nodes, edges, mode) : []),
    // upstream scope changes with edges and with nodes added/removed, not with moves
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [id, edges, nodeCount, mode, node?.data],
  )
  if (!id || !node) return null
  const update: Update = (patch, key) => useDoc.getState().updateData(id, patch, key)
  const block = blockOf(node.data.type)
  return (
    <aside className="side-panel" aria-label="Node settings" data-testid="node-panel">
      <div className="flex items-center justify-between">
        <span className="text-xs uppercase tracking-wide text-slate-500">{block.title}</span>
        <button type="button" className="btn-ghost" aria-label="Close panel" onClick={() => useUi.getState().openPanel(null)}>
          <X size={14} />
        </button>
      </div>
      <Field label="Title"><TextInput label="Title" value={String(node.data.title ?? '')} onChange={(v) => update({ title: v }, 'title')} /></Field>
      <Field label="Description"><TextInput label="Description" value={String(node.data.desc ?? '')} onChange={(v) => update({ desc: v }, 'desc')} /></Field>
      <TypeForm data={node.data} update={update} groups={groups} nodeId={id} />
      {supportsErrorStrategy(node.data.type) ? (
        <Field label="On error">
          <select className="input" aria-label="Error strategy" value={String(node.data.error_strategy ?? 'none')}
            onChange={(e) => update({ error_strategy: e.target.value === 'none' ? undefined : e.target.value })}>
            <option value="none">Stop the run</option>
            <option value="default-value">Use default values</option>
            <option value="fail-branch">Take the fail branch</option>
          </select>
        </Field>
      ) : null}
      {canRunAlone(node.data.type, node.parentId) ? <StepRun key={id} appId={appId} nodeId={id} data={node.data} groups={groups} /> : null}
    </aside>
  )
}
