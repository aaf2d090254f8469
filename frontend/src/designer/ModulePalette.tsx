import { useId, useState } from 'react'

import { filterModules, type PaletteModule } from './paletteModules'

export function ModulePalette({ modules }: { modules: readonly PaletteModule[] }) {
  const [searchText, setSearchText] = useState('')
  const headingId = useId()
  const searchId = useId()
  const visibleModules = filterModules(modules, searchText)

  return (
    <aside className="designer-panel designer-palette" aria-labelledby={headingId}>
      <h2 id={headingId} className="panel-heading">
        Modules
      </h2>
      <label htmlFor={searchId} className="visually-hidden">
        Search modules
      </label>
      <input
        id={searchId}
        className="palette-search"
        type="search"
        placeholder="Search modules"
        value={searchText}
        onChange={(event) => setSearchText(event.target.value)}
      />
      {visibleModules.length > 0 ? (
        <ul className="palette-list">
          {visibleModules.map((module) => (
            <li key={module.key} className="palette-item">
              <span className="palette-item-title">{module.title}</span>
              <span className="palette-item-category">{module.category}</span>
            </li>
          ))}
        </ul>
      ) : (
        <p className="panel-empty">
          {modules.length === 0 ? 'No modules available yet.' : `No modules match “${searchText.trim()}”.`}
        </p>
      )}
    </aside>
  )
}
