// Prints the gzipped size of the initial JavaScript (what index.html loads, with its static imports)
// and of each lazy chunk, and fails the build when the initial JavaScript exceeds the budget.
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'

const BUDGET_KIB = 200
const dist = new URL('../dist/', import.meta.url).pathname
const assets = join(dist, 'assets')
const html = readFileSync(join(dist, 'index.html'), 'utf8')
const gz = (file) => gzipSync(readFileSync(join(assets, file)), { level: 9 }).length / 1024

// index.html's module script and modulepreloads are the initial JavaScript.
const initial = new Set([...html.matchAll(/(?:src|href)="\/studio\/assets\/([^"]+\.js)"/g)].map((m) => m[1]))
const all = readdirSync(assets).filter((f) => f.endsWith('.js'))
let initialKiB = 0
const rows = []
for (const file of all) {
  const size = gz(file)
  if (initial.has(file)) initialKiB += size
  rows.push([initial.has(file) ? 'initial' : 'lazy', file, size])
}
rows.sort((a, b) => a[0].localeCompare(b[0]) || b[2] - a[2])
for (const [kind, file, size] of rows) console.log(`  ${kind.padEnd(8)} ${size.toFixed(1).padStart(7)} KiB gz  ${file}`)
const css = readdirSync(assets).filter((f) => f.endsWith('.css'))
for (const file of css) console.log(`  css      ${gz(file).toFixed(1).padStart(7)} KiB gz  ${file}`)
console.log(`studio: initial JavaScript ${initialKiB.toFixed(1)} KiB gzipped (budget ${BUDGET_KIB} KiB)`)
if (initialKiB > BUDGET_KIB) {
  console.error(`studio: initial JavaScript is over budget`)
  process.exit(1)
}
