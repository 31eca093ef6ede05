import type { BoardSummary } from './boardList.ts'

/** The board API's calls from the browser (app/api/boards); a failure throws the server's `error` text. */

export class BoardApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

async function call<T>(path: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(path, { cache: 'no-store', ...init })
  if (!response.ok) {
    const body = (await response.json().catch(() => null)) as { error?: unknown } | null
    throw new BoardApiError(response.status, typeof body?.error === 'string' ? body.error : `HTTP ${response.status}`)
  }
  if (response.status === 204) return undefined as T
  return (await response.json()) as T
}

const json = (method: string, body: unknown): RequestInit => ({
  method,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
})

export interface BoardLinks {
  roomId: string
  viewId: string
}

export async function listBoards(options: { trash?: boolean; signal?: AbortSignal } = {}): Promise<BoardSummary[]> {
  const body = await call<{ boards: BoardSummary[] }>(`/api/boards${options.trash ? '?trash=1' : ''}`, { signal: options.signal })
  return body.boards
}

export async function renameBoard(roomId: string, name: string): Promise<string> {
  return (await call<{ name: string }>(`/api/boards/${roomId}`, json('PATCH', { name }))).name
}

export function duplicateBoard(roomId: string): Promise<BoardLinks> {
  return call<BoardLinks>(`/api/boards/${roomId}/duplicate`, { method: 'POST' })
}

/** A new id for the edit or the view link; the old one stops working at once, for everyone. */
export function resetLink(roomId: string, kind: 'edit' | 'view'): Promise<BoardLinks> {
  return call<BoardLinks>(`/api/boards/${roomId}/links`, json('POST', { kind }))
}

export function trashBoard(roomId: string): Promise<{ trashedAt: string }> {
  return call(`/api/boards/${roomId}`, { method: 'DELETE' })
}

export function restoreBoard(roomId: string): Promise<BoardLinks> {
  return call<BoardLinks>(`/api/boards/${roomId}/restore`, { method: 'POST' })
}

export function deleteBoardForever(roomId: string): Promise<{ deleted: true }> {
  return call(`/api/boards/${roomId}?forever=1`, { method: 'DELETE' })
}

/** Creates a board from a .tldr file; the server validates every record and says which one is wrong. */
export async function importTldr(file: Blob): Promise<BoardLinks> {
  const form = new FormData()
  form.append('file', file)
  return call<BoardLinks>('/api/boards/import', { method: 'POST', body: form })
}

export function exportUrl(roomId: string): string {
  return `/api/boards/${roomId}/export`
}

export function uploadThumbnail(roomId: string, image: Blob): Promise<void> {
  return call<void>(`/api/boards/${roomId}/thumbnail`, { method: 'PUT', headers: { 'content-type': image.type }, body: image })
}
