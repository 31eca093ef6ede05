import type { Editor, TLExportType, TLUiOverrides } from 'tldraw'
import { safeFileName } from '../fileNames.ts'

/**
 * The name (without extension) of a PNG or SVG exported from a board: the board's name, plus the
 * page's when the board has several pages, so exports from different pages do not collide.
 */
export function exportFileName(boardName: string, page: { name: string; count: number }): string {
  const board = safeFileName(boardName)
  return page.count > 1 && page.name.trim() ? safeFileName(`${board} – ${page.name}`) : board
}

const EXPORT_ACTIONS: { id: string; format: TLExportType; wholePage: boolean }[] = [
  { id: 'export-as-png', format: 'png', wholePage: false },
  { id: 'export-as-svg', format: 'svg', wholePage: false },
  { id: 'export-all-as-png', format: 'png', wholePage: true },
  { id: 'export-all-as-svg', format: 'svg', wholePage: true },
]

/**
 * tldraw names an export after the document only when nothing is selected ("shapes at <time>" or a
 * shape id otherwise): its export actions are replaced by ones that always use the board's name.
 * `boardName` is read at export time (the document's name, else the one the server gave the page).
 */
export function boardExportOverrides(boardName: (editor: Editor) => string): TLUiOverrides {
  return {
    actions(editor, actions, helpers) {
      for (const { id, format, wholePage } of EXPORT_ACTIONS) {
        const action = actions[id]
        if (!action) continue
        actions[id] = {
          ...action,
          onSelect() {
            const pageShapes = [...editor.getCurrentPageShapeIds()]
            const selected = editor.getSelectedShapeIds()
            const ids = wholePage || selected.length === 0 ? pageShapes : selected
            if (ids.length === 0) return
            const page = { name: editor.getCurrentPage().name, count: editor.getPages().length }
            helpers.exportAs(ids, { format, name: exportFileName(boardName(editor), page) })
          },
        }
      }
      return actions
    },
  }
}
