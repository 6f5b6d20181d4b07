// Unit tests of the checklist's pure functions (compiled by `npm test` with tsconfig.unit.json).
const test = require('node:test')
const assert = require('node:assert/strict')
const { checklist, memoChecklist, missingFields, referencedNodes } = require('../node_modules/.unit/editor/checklist.js')

const node = (id, data, extra = {}) => ({ id, type: 'custom', position: { x: 0, y: 0 }, data, ...extra })
const edge = (source, target, sourceHandle = 'source') => ({ id: `${source}-${target}`, source, target, sourceHandle })
const start = node('s', { type: 'start', title: 'Start', variables: [{ variable: 'q', type: 'text-input' }] })
const end = (id, selector) => node(id, { type: 'end', title: id, outputs: [{ variable: 'out', value_selector: selector }] })
const kinds = (problems) => problems.map((p) => `${p.nodeId}:${p.kind}`)

test('a clean graph has no problems', () => {
  assert.deepEqual(checklist([start, end('e', ['s', 'q'])], [edge('s', 'e')]), [])
})

test('a node not connected to the start, and its reference to a node not upstream', () => {
  const problems = checklist([start, end('e', ['s', 'q'])], [])
  assert.deepEqual(kinds(problems), ['e:unreachable', 'e:reference'])
})

test('a reference to a node that does not exist, in a selector or in {{#...#}} text', () => {
  const answer = node('a', { type: 'answer', answer: 'hi {{#gone.text#}} {{#sys.query#}}' })
  const problems = checklist([start, answer, end('e', ['nope', 'x'])], [edge('s', 'a'), edge('a', 'e')])
  assert.deepEqual(kinds(problems), ['a:reference', 'e:reference'])
  assert.match(problems[0].message, /does not exist \(gone\)/)
})

test('required fields by type', () => {
  assert.deepEqual(missingFields({ type: 'llm', model: { provider: 'openai', name: '' } }), ['Model is required'])
  assert.deepEqual(missingFields({ type: 'code', code: '  ', variables: [] }), ['Code is required'])
  assert.deepEqual(missingFields({ type: 'http-request', url: '' }), ['URL is required'])
  assert.deepEqual(missingFields({ type: 'if-else', cases: [{ case_id: 'true', conditions: [] }] }), ['IF has no conditions'])
  assert.deepEqual(
    missingFields({ type: 'if-else', cases: [{ conditions: [{ variable_selector: ['s', 'q'], comparison_operator: 'empty' }] }] }),
    [],
  )
  assert.deepEqual(missingFields({ type: 'end', outputs: [] }), ['Nothing to output'])
  assert.deepEqual(missingFields({ type: 'answer', answer: '' }), ['Answer is empty'])
  assert.deepEqual(missingFields({ type: 'end', outputs: [{ variable: 'x', value_selector: [] }] }), ['Output x has no value'])
})

test('no start node is a problem of the graph', () => {
  assert.deepEqual(kinds(checklist([end('e', [])], [])).slice(0, 1), [':graph'])
})

test('inside a container: reached through its start marker; the parent and its upstream are in scope', () => {
  const code = node('c', { type: 'code', code: 'x', variables: [], outputs: { r: { type: 'array' } } })
  const iteration = node('it', { type: 'iteration', iterator_selector: ['c', 'r'], output_selector: ['t', 'output'], start_node_id: 'itstart' })
  const marker = node('itstart', { type: 'iteration-start' }, { type: 'custom-iteration-start', parentId: 'it' })
  const template = node('t', { type: 'template-transform', template: '{{ a }}',
    variables: [{ variable: 'a', value_selector: ['it', 'item'] }, { variable: 'b', value_selector: ['s', 'q'] }] }, { parentId: 'it' })
  const nodes = [start, code, iteration, marker, template, end('e', ['it', 'output'])]
  const edges = [edge('s', 'c'), edge('c', 'it'), edge('itstart', 't'), edge('it', 'e')]
  assert.deepEqual(checklist(nodes, edges), [])
  assert.deepEqual(kinds(checklist(nodes, edges.filter((e) => e.source !== 'itstart'))), ['t:unreachable'])
})

test('selectors found by key, not every string list', () => {
  const refs = referencedNodes({ type: 'variable-aggregator', variables: [['a', 'x'], ['b', 'y']], options: ['c', 'd'] })
  assert.deepEqual([...refs], ['a', 'b'])
  assert.deepEqual([...referencedNodes({ type: 'list-operator', variable: ['l', 'v'] })], ['l'])
})

test('memoChecklist recomputes on data changes, not on moves', () => {
  const nodes = [start, end('e', ['s', 'q'])]
  const edges = [edge('s', 'e')]
  const first = memoChecklist(nodes, edges)
  const moved = nodes.map((n) => ({ ...n, position: { x: 5, y: 5 } }))
  assert.equal(memoChecklist(moved, edges), first)
  const emptied = [start, end('e', [])]
  assert.deepEqual(kinds(memoChecklist(emptied, edges)), ['e:required'])
})
