import { useEffect, useRef, useState } from 'react'
import { useEditor, useValue } from 'tldraw'
import { renameBoard } from '@/lib/client/boardsApi.ts'

/** The board's name: tldraw's document name, which every client sees change at once, else the name the server gave the page. */
export function useBoardName(serverName: string): string {
  const editor = useEditor()
  return useValue('board name', () => editor.getDocumentSettings().name.trim() || serverName, [editor, serverName])
}

export interface BoardNameProps {
  serverName: string
  /** The room id: present on the edit link only, where the name can be changed. */
  roomId?: string
  viewOnly: boolean
  /** Called after Enter or Escape (the rename dialog closes then). */
  onDone?(): void
}

/**
 * The board's name (the sync server writes a rename into tldraw's document record); the page title
 * follows it. On the edit link it is a field: renamed on Enter or when it loses the focus
 * (PATCH /api/boards/<roomId>), Escape gives the shown name back.
 */
export default function BoardName({ serverName, roomId, viewOnly, onDone }: BoardNameProps) {
  const editor = useEditor()
  const shown = useBoardName(serverName)
  // While typing, and until the server answers, the field shows the draft.
  const [draft, setDraft] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)
  // Escape blurs the field too: that blur must not rename.
  const cancelled = useRef(false)
  useEffect(() => {
    document.title = `${shown}${viewOnly ? ' (view only)' : ''} · Whiteboard`
  }, [shown, viewOnly])
  if (!roomId) {
    return (
      <span className="board-name" data-testid="board-name" data-name={shown}>
        {shown}
      </span>
    )
  }
  const rename = async (name: string) => {
    if (name.trim() === shown || !name.trim()) return setDraft(null)
    try {
      const stored = await renameBoard(roomId, name)
      // The server also writes it into the document; set here too so this editor shows it before the echo.
      if (editor.getDocumentSettings().name !== stored) editor.updateDocumentSettings({ name: stored })
      setError(null)
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure))
    }
    setDraft(null)
  }
  return (
    <input
      className="board-name"
      data-testid="board-name"
      data-name={shown}
      aria-label="Board name"
      aria-invalid={error !== null}
      title={error ? `Could not rename: ${error}` : 'Rename this board'}
      value={draft ?? shown}
      maxLength={100}
      onFocus={() => setDraft(shown)}
      onChange={(event) => setDraft(event.target.value)}
      onBlur={() => {
        if (cancelled.current) {
          cancelled.current = false
          return setDraft(null)
        }
        if (draft !== null) void rename(draft)
      }}
      onKeyDown={(event) => {
        if (event.key === 'Escape') {
          event.stopPropagation()
          cancelled.current = true
          event.currentTarget.blur()
          onDone?.()
        } else if (event.key === 'Enter') {
          event.currentTarget.blur()
          onDone?.()
        }
      }}
    />
  )
}
