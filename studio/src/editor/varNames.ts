/**
 * Variable names as Dify checks them (web/utils/var.ts `checkKey`): letters, digits and `_`, not starting
 * with a digit, at most 30 characters; and no name twice in one list. Pure, for the checklist.
 */

/** Dify's MAX_VAR_KEY_LENGTH is 30. */
const NAME = /^[a-zA-Z_][a-zA-Z0-9_]{0,29}$/

export function validName(name: string): boolean {
  return NAME.test(name)
}

/** Problems with a list of names (`what` is e.g. "Input variable"): empty, invalid, repeated. */
export function nameProblems(names: string[], what: string): string[] {
  const out: string[] = []
  const seen = new Set<string>()
  const repeated = new Set<string>()
  names.forEach((name, i) => {
    if (!name.trim()) out.push(`${what} ${i + 1} has no name`)
    else if (!validName(name)) {
      out.push(`${what} name "${name}" is invalid (letters, digits and _, not starting with a digit, at most 30)`)
    } else if (seen.has(name)) repeated.add(name)
    seen.add(name)
  })
  for (const name of repeated) out.push(`${what} name "${name}" is used more than once`)
  return out
}
