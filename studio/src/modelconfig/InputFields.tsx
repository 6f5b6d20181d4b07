/** The debug run's user inputs: one text field per variable of the app's input form (Dify's "User input"). */
import type { ModelConfig } from './useModelConfigApp'

type FormItem = NonNullable<ModelConfig['user_input_form']>[number]

/** A form item's variable name (`{"text-input": {"variable": ...}}`). */
export const variableOf = (item: FormItem) => String(Object.values(item)[0]?.variable ?? '')

export function InputFields({ names, values, onChange }: {
  names: string[]
  values: Record<string, string>
  onChange: (values: Record<string, string>) => void
}) {
  return (
    <>
      {names.map((name) => (
        <label key={name} className="block text-sm">{name}
          <input className="input" aria-label={name} value={values[name] ?? ''} onChange={(e) => onChange({ ...values, [name]: e.target.value })} />
        </label>
      ))}
    </>
  )
}

/** The inputs to send: every named field, empty when left blank. */
export const inputsOf = (names: string[], values: Record<string, string>) =>
  Object.fromEntries(names.map((n) => [n, values[n] ?? '']))
