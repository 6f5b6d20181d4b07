// Unit tests of the checklist's variable checks: names Dify refuses, and references to variables a node
// does not have (compiled by `npm test` with tsconfig.unit.json).
const test = require('node:test')
const assert = require('node:assert/strict')
const { badNames, checklist } = require('../node_modules/.unit/editor/checklist.js')
const { validName, nameProblems } = require('../node_modules/.unit/editor/varNames.js')

const node = (id, data, extra = {}) => ({ id, type: 'custom', position: { x: 0, y: 0 }, data, ...extra })
const edge = (source, target) => ({ id: `${source}-${target}`, source, target, sourceHandle: 'source' })
const startWith = (...names) => node('s', { type: 'start', title: 'Start', variables: names.map((variable) => ({ variable, type: 'text-input' })) })
const end = (id, selector) => node(id, { type: 'end', title: id, outputs: [{ variable: 'out', value_selector: selector }] })
const messages = (problems, kind) => problems.filter((p) => p.kind === kind).map((p) => `${p.nodeId}: ${p.message}`)
/** The editor's catalogue in small: start inputs and an LLM's text are known, the rest is not. */
const outputsOf = (data) =>
  data.type === 'start' ? data.variables.map((v) => v.variable) : data.type === 'llm' ? ['text'] : null

test("Dify's variable names: letters, digits, _; not starting with a digit; at most 30", () => {
  for (const ok of ['q', '_x', 'topic_2', 'A'.repeat(30)]) assert.equal(validName(ok), true, ok)
  for (const bad of ['', '2nd', 'my-var', 'has space', 'é', 'A'.repeat(31), 'a.b']) assert.equal(validName(bad), false, bad)
})

test('start inputs: empty, invalid and repeated names', () => {
  assert.deepEqual(badNames(startWith('q', 'topic').data), [])
  assert.deepEqual(badNames(startWith('q', '', '9lives', 'q', 'q').data), [
    'Input variable 2 has no name',
    'Input variable name "9lives" is invalid (letters, digits and _, not starting with a digit, at most 30)',
    'Input variable name "q" is used more than once',
  ])
  const problems = checklist([startWith('a b'), end('e', ['s', 'a b'])], [edge('s', 'e')])
  assert.deepEqual(messages(problems, 'name'), ['s: Input variable name "a b" is invalid (letters, digits and _, not starting with a digit, at most 30)'])
})

test('code nodes: output names invalid or empty, input names repeated', () => {
  const code = { type: 'code', code: 'x', variables: [{ variable: 'x', value_selector: ['s', 'q'] }, { variable: 'x', value_selector: ['s', 'q'] }],
    outputs: { ok: { type: 'string' }, 'bad-name': { type: 'string' }, '': { type: 'number' } } }
  assert.deepEqual(badNames(code), [
    'Input variable name "x" is used more than once',
    'Output variable name "bad-name" is invalid (letters, digits and _, not starting with a digit, at most 30)',
    'Output variable 3 has no name',
  ])
  assert.deepEqual(nameProblems(['a', 'b'], 'Output variable'), [])
})

test('a reference to a variable the upstream node does not have, in text or in a selector', () => {
  const llm = node('l', { type: 'llm', title: 'Writer', model: { provider: 'p', name: 'm' }, prompt_template: [{ role: 'user', text: '{{#s.q#}} {{#s.nope#}}' }] })
  const answer = node('a', { type: 'answer', answer: '{{#l.text#}} {{#l.txt#}} {{#sys.query#}} {{#conversation.x#}}' })
  const nodes = [startWith('q'), llm, answer, end('e', ['l', 'usage'])]
  const edges = [edge('s', 'l'), edge('l', 'a'), edge('a', 'e')]
  assert.deepEqual(messages(checklist(nodes, edges, outputsOf), 'reference'), [
    'l: References Start.nope, which Start does not have',
    'a: References Writer.txt, which Writer does not have',
    'e: References Writer.usage, which Writer does not have',
  ])
  // Without the catalogue (or for a node whose outputs are not all known) nothing is claimed.
  assert.deepEqual(messages(checklist(nodes, edges), 'reference'), [])
  const tool = node('t', { type: 'tool', title: 'Tool' })
  const viaTool = [startWith('q'), tool, end('e', ['t', 'anything'])]
  assert.deepEqual(messages(checklist(viaTool, [edge('s', 't'), edge('t', 'e')], outputsOf), 'reference'), [])
})

test('inside a container its own variables are known: item/index, a loop variable', () => {
  const iteration = node('it', { type: 'iteration', title: 'Each', iterator_selector: ['s', 'q'], output_selector: ['t', 'output'] })
  const marker = node('its', { type: 'iteration-start' }, { parentId: 'it' })
  const inner = node('t', { type: 'template-transform', template: '{{ a }}', variables: [
    { variable: 'a', value_selector: ['it', 'item'] }, { variable: 'b', value_selector: ['it', 'index'] }, { variable: 'c', value_selector: ['it', 'bogus'] },
  ] }, { parentId: 'it' })
  const loop = node('lp', { type: 'loop', title: 'Loop', loop_variables: [{ label: 'count', var_type: 'number' }] })
  const loopMarker = node('lps', { type: 'loop-start' }, { parentId: 'lp' })
  const inLoop = node('u', { type: 'template-transform', template: '{{ n }}', variables: [{ variable: 'n', value_selector: ['lp', 'count'] }] }, { parentId: 'lp' })
  const nodes = [startWith('q'), iteration, marker, inner, loop, loopMarker, inLoop, end('e', ['s', 'q'])]
  const edges = [edge('s', 'it'), edge('its', 't'), edge('it', 'lp'), edge('lps', 'u'), edge('lp', 'e')]
  assert.deepEqual(messages(checklist(nodes, edges, outputsOf), 'reference'), ['t: References Each.bogus, which Each does not have'])
})
