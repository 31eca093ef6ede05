/** The board list's wire types, shared by the app's `GET /api/boards` (app/_server/boardList.ts) and the home page. */

/** Someone connected to a board right now, as the sync server's presence knows them. */
export interface PresentPerson {
  id: string
  name: string
  color: string
}

/** One board of `GET /api/boards`. */
export interface BoardSummary {
  /** The edit link's id; null when the caller only has the view link. */
  roomId: string | null
  viewId: string
  name: string
  owner: boolean
  /** Last activity: the latest edit, else the board's creation (ISO). */
  updatedAt: string
  lastEditedBy: string | null
  thumbnailUrl: string | null
  present: PresentPerson[]
  trashedAt: string | null
}
