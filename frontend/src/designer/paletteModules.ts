/** One entry of the palette; filled from GET /api/v1/modules/ later. */
export interface PaletteModule {
  key: string
  title: string
  category: string
}

export function filterModules(modules: readonly PaletteModule[], searchText: string): PaletteModule[] {
  const needle = searchText.trim().toLowerCase()
  if (!needle) return [...modules]
  return modules.filter((module) =>
    [module.title, module.category, module.key].some((text) => text.toLowerCase().includes(needle)),
  )
}
