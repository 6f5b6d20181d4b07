// Unit tests of the single-step run's form functions (compiled by `npm test` with tsconfig.unit.json).
const test = require('node:test')
const assert = require('node:assert/strict')
const { canRunAlone, readSelectors, stepInputs, stepVariables } = require('../node_modules/.unit/editor/singleStep.js')

const llm = {
  type: 'llm',
  prompt_template: [{ role: 'user', text: 'About {{#start.topic#}} for {{#sys.user_id#}} in {{#env.region#}}' }],
  context: { enabled: false, variable_selector: ['kb', 'result'] },
}
const groups = [
  { nodeId: 'start', title: 'Start', vars: [{ name: 'topic', type: 'string' }, { name: 'n', type: 'number' }] },
  { nodeId: 'sys', title: 'System', vars: [{ name: 'user_id', type: 'string' }] },
]

test('which nodes can run alone', () => {
  assert.equal(canRunAlone('llm'), true)
  assert.equal(canRunAlone('code'), true)
  for (const type of ['start', 'end', 'answer', 'iteration', 'loop']) assert.equal(canRunAlone(type), false)
  assert.equal(canRunAlone('code', 'iteration1'), false)
})

test('what a node reads: references and selectors, not disabled blocks, once each', () => {
  assert.deepEqual(readSelectors(llm), [['start', 'topic'], ['sys', 'user_id'], ['env', 'region']])
  const code = { type: 'code', variables: [{ variable: 'a', value_selector: ['start', 'n'] }, { variable: 'b', value_selector: ['start', 'n'] }] }
  assert.deepEqual(readSelectors(code), [['start', 'n']])
  const tool = { type: 'tool', tool_parameters: { q: { type: 'variable', value: ['start', 'topic'] } } }
  assert.deepEqual(readSelectors(tool), [['start', 'topic']])
})

test('the form lists node outputs (required) and sys values (optional), keyed #node.var#', () => {
  const vars = stepVariables(llm, groups, new Map())
  assert.deepEqual(vars.map((v) => [v.key, v.label, v.type, v.required]), [
    ['#start.topic#', 'Start / topic', 'string', true],
    ['#sys.user_id#', 'System / user_id', 'string', false],
  ])
  const titled = stepVariables({ type: 'template-transform', variables: [{ variable: 'x', value_selector: ['gone', 'text'] }] }, [], new Map([['gone', 'Draft']]))
  assert.equal(titled[0].label, 'Draft / text')
})

test('inputs are typed; empty optional values are left to the run', () => {
  const vars = [
    { key: '#start.topic#', label: 'Start / topic', type: 'string', required: true },
    { key: '#start.n#', label: 'Start / n', type: 'number', required: true },
    { key: '#llm.obj#', label: 'LLM / obj', type: 'object', required: true },
    { key: '#sys.query#', label: 'System / query', type: 'string', required: false },
  ]
  assert.deepEqual(stepInputs(vars, { '#start.topic#': 'rivers', '#start.n#': '3', '#llm.obj#': '{"a": 1}' }),
    { '#start.topic#': 'rivers', '#start.n#': 3, '#llm.obj#': { a: 1 } })
  assert.deepEqual(stepInputs(vars, {}), { '#start.topic#': '' })
  assert.throws(() => stepInputs(vars, { '#start.n#': 'three' }), /Start \/ n is not a number/)
  assert.throws(() => stepInputs(vars, { '#llm.obj#': '{oops' }), /LLM \/ obj is not valid JSON/)
})
