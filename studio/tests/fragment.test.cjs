// Unit tests of the copy/paste fragment functions (compiled by `npm test` with tsconfig.unit.json).
const test = require('node:test')
const assert = require('node:assert/strict')
const { fragmentOf, instantiate, parseFragment, remapData } = require('../node_modules/.unit/editor/fragment.js')

const node = (id, data, extra = {}) => ({ id, type: 'custom', position: { x: 100, y: 100 }, data, ...extra })
const edge = (source, target) => ({ id: `${source}-source-${target}-target`, source, target, sourceHandle: 'source', targetHandle: 'target', data: {} })

const start = node('s', { type: 'start', variables: [] }, { position: { x: 0, y: 0 } })
const llm = node('l', { type: 'llm', prompt_template: [{ role: 'user', text: 'say {{#s.q#}}' }] }, { position: { x: 300, y: 0 } })
const end = node('e', { type: 'end', outputs: [{ variable: 'o', value_selector: ['l', 'text'] }] }, { position: { x: 600, y: 0 } })
const nodes = [start, llm, end]
const edges = [edge('s', 'l'), edge('l', 'e')]

test('a fragment has the selected nodes (never the start) and only the edges between them', () => {
  const fragment = fragmentOf(nodes, edges, new Set(['s', 'l', 'e']))
  assert.equal(fragment.kind, 'dify-graph-fragment')
  assert.deepEqual(fragment.graph.nodes.map((n) => n.id), ['l', 'e'])
  assert.deepEqual(fragment.graph.edges.map((e) => e.id), ['l-source-e-target'])
  assert.equal(fragment.graph.nodes[0].sourcePosition, 'right') // Dify's node shape
  assert.equal(fragmentOf(nodes, edges, new Set(['s'])), null)
})

test('parseFragment takes a fragment, a graph or a whole DSL as JSON; rejects anything else', () => {
  const fragment = fragmentOf(nodes, edges, new Set(['l', 'e']))
  const text = JSON.stringify(fragment)
  assert.equal(parseFragment(text).nodes.length, 2)
  assert.equal(parseFragment(JSON.stringify({ workflow: { graph: fragment.graph } })).nodes.length, 2)
  assert.equal(parseFragment('hello'), null)
  assert.equal(parseFragment('{"nodes": [{"id": "x"}]}'), null)
})

test('paste: new ids, edges and references between pasted nodes remapped, others kept, below the originals', () => {
  const fragment = fragmentOf(nodes, edges, new Set(['l', 'e']))
  let n = 0
  const pasted = instantiate(fragment.graph, nodes, () => `new${++n}`)
  assert.deepEqual(pasted.nodes.map((x) => x.id), ['new1', 'new2'])
  assert.equal(pasted.nodes[0].data.prompt_template[0].text, 'say {{#s.q#}}') // s was not pasted
  assert.deepEqual(pasted.nodes[1].data.outputs[0].value_selector, ['new1', 'text'])
  assert.deepEqual(pasted.edges.map((e) => [e.id, e.source, e.target]), [['new1-source-new2-target', 'new1', 'new2']])
  assert.ok(pasted.nodes.every((x) => x.position.y === 90 + 80 && x.selected))
  // Into an empty canvas (another app), positions are kept.
  assert.deepEqual(instantiate(fragment.graph, [], () => 'z').nodes[0].position, { x: 300, y: 0 })
})

test('a container comes with its children; its marker id follows the new container id', () => {
  const it = node('it', { type: 'iteration', start_node_id: 'itstart', output_selector: ['t', 'output'], iterator_selector: ['l', 'text'] })
  const marker = node('itstart', { type: 'iteration-start', isInIteration: true }, { type: 'custom-iteration-start', parentId: 'it' })
  const child = node('t', { type: 'template-transform', iteration_id: 'it', isInIteration: true,
    variables: [{ variable: 'a', value_selector: ['it', 'item'] }] }, { parentId: 'it', position: { x: 10, y: 10 } })
  const all = [...nodes, it, marker, child]
  const fragment = fragmentOf(all, [...edges, edge('l', 'it'), edge('itstart', 't')], new Set(['l', 'it']))
  assert.deepEqual(fragment.graph.nodes.map((x) => x.id).sort(), ['it', 'itstart', 'l', 't'])
  let n = 0
  const pasted = instantiate(fragment.graph, all, () => `n${++n}`)
  const byOld = Object.fromEntries(['l', 'it', 't'].map((id, i) => [id, pasted.nodes.find((x) => x.data.type === all.find((y) => y.id === id).data.type)]))
  const newIt = byOld.it
  const newMarker = pasted.nodes.find((x) => x.data.type === 'iteration-start')
  assert.equal(newMarker.id, `${newIt.id}start`)
  assert.equal(newIt.data.start_node_id, newMarker.id)
  assert.deepEqual(newIt.data.iterator_selector, [byOld.l.id, 'text'])
  assert.deepEqual(newIt.data.output_selector, [byOld.t.id, 'output'])
  assert.equal(byOld.t.parentId, newIt.id)
  assert.equal(byOld.t.data.iteration_id, newIt.id)
  assert.deepEqual(byOld.t.position, { x: 10, y: 10 }) // relative to its container, unchanged
})

test('a child copied without its container is pasted at the top level, at its absolute position', () => {
  const it = node('it', { type: 'iteration' }, { position: { x: 500, y: 500 } })
  const child = node('t', { type: 'template-transform', iteration_id: 'it', isInIteration: true }, { parentId: 'it', position: { x: 10, y: 20 } })
  const fragment = fragmentOf([it, child], [], new Set(['t']))
  const [only] = fragment.graph.nodes
  assert.equal(only.parentId, undefined)
  assert.deepEqual(only.position, { x: 510, y: 520 })
  assert.equal(only.data.iteration_id, undefined)
})

test('remapData leaves strings that only look like ids alone', () => {
  const ids = new Map([['1', 'X']])
  assert.deepEqual(remapData({ classes: [{ id: '1', name: 'a' }], sel: ['1', 'v'], t: '{{#1.v#}} {{#2.v#}}' }, ids),
    { classes: [{ id: '1', name: 'a' }], sel: ['X', 'v'], t: '{{#X.v#}} {{#2.v#}}' })
})
