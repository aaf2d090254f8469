import { render, screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { useState } from 'react'
import { describe, expect, it, vi } from 'vitest'

import type { ColumnSchema, ModuleSpec, Problem } from '../api/types'
import { splitData, trainModel } from '../test/fixtures'
import { ParamForm } from './ParamForm'

const COLUMNS: ColumnSchema[] = [
  { name: 'radius', type: 'double', is_feature: true, is_label: false, is_score: false, categorical: false },
  { name: 'diagnosis', type: 'string', is_feature: true, is_label: false, is_score: false, categorical: true },
]

function Harness({
  spec,
  initial = {},
  problems = [],
  columns = COLUMNS,
  onChange = () => undefined,
}: {
  spec: ModuleSpec
  initial?: Record<string, unknown>
  problems?: Problem[]
  columns?: ColumnSchema[] | null
  onChange?: (name: string, value: unknown) => void
}) {
  const [params, setParams] = useState(initial)
  return (
    <ParamForm
      spec={spec}
      params={params}
      problems={problems}
      columnsFor={() => (columns ? { columns } : null)}
      readOnly={false}
      onChange={(name, value) => {
        onChange(name, value)
        setParams((current) => ({ ...current, [name]: value }))
      }}
    />
  )
}

describe('ParamForm', () => {
  it('shows the fields a choice calls for and hides the others', async () => {
    const user = userEvent.setup()
    render(<Harness spec={splitData} />)
    expect(screen.getByLabelText(/Fraction of rows/)).toHaveValue(0.5)
    expect(screen.queryByLabelText('Regular expression')).not.toBeInTheDocument()

    await user.selectOptions(screen.getByLabelText(/Splitting mode/), 'Regular Expression')
    expect(screen.getByLabelText('Regular expression')).toHaveValue('"name" ^A')
    expect(screen.queryByLabelText(/Fraction of rows/)).not.toBeInTheDocument()
  })

  it('explains the range and marks a number outside it', async () => {
    const user = userEvent.setup()
    const onChange = vi.fn<(name: string, value: unknown) => void>()
    render(<Harness spec={splitData} onChange={onChange} />)
    const fraction = screen.getByLabelText(/Fraction of rows/)
    expect(fraction).toHaveAccessibleDescription(/Range: 0 to 1\./)
    await user.clear(fraction)
    await user.type(fraction, '1.5')
    expect(onChange).toHaveBeenLastCalledWith('fraction_of_rows_in_the_first_output_dataset', 1.5)
    expect(fraction).toHaveAttribute('aria-invalid', 'true')
    expect(fraction).toHaveAccessibleDescription(/Must be between 0 and 1\./)
  })

  it('puts advanced parameters behind a disclosure', () => {
    render(<Harness spec={splitData} />)
    const advanced = screen.getByText('Advanced (1)').closest('details') as HTMLElement
    expect(advanced).not.toHaveAttribute('open')
    expect(within(advanced).getByLabelText('Random seed')).toBeInTheDocument()
  })

  it('offers the upstream columns in the column picker', async () => {
    const user = userEvent.setup()
    const onChange = vi.fn<(name: string, value: unknown) => void>()
    render(<Harness spec={trainModel} onChange={onChange} />)
    const picker = screen.getByLabelText('Label column')
    expect(within(picker).getAllByRole('option').map((option) => option.textContent)).toEqual([
      '— Choose a column —',
      'radius (double)',
      'diagnosis (string, categorical)',
    ])
    await user.selectOptions(picker, 'diagnosis')
    expect(onChange).toHaveBeenLastCalledWith('label_column', 'diagnosis')
  })

  it('lets names be typed when no dataset is connected yet, and shows server problems at the field', () => {
    render(
      <Harness
        spec={trainModel}
        columns={null}
        problems={[{ code: 'unknown_column', message: "Column 'x' is not in the dataset.", parameter: 'label_column' }]}
      />,
    )
    const input = screen.getByLabelText('Label column')
    expect(input.tagName).toBe('INPUT')
    expect(screen.getByText(/Connect the “Dataset” input/)).toBeInTheDocument()
    expect(input).toHaveAccessibleDescription("Column 'x' is not in the dataset.")
  })
})
