import type { LinkRefusal } from '../storage/roomStore.ts'

/**
 * What goes wrong in a room because of what a peer sent, or because the room cannot serve. The
 * room throws these and never picks a close code: server/connection/closeReasons.ts maps each
 * to the code its sender is closed with.
 */

/** A view-only peer sent an edit (a step 2 or update carrying something the room lacks). */
export class ReadOnlyWriteError extends Error {
  constructor() {
    super('write from a view-only peer')
  }
}

/** An edit would grow the board past MAX_DOC_BYTES (its current content, server/room/documentSize.ts). */
export class DocumentTooLargeError extends Error {
  constructor() {
    super('document too large')
  }
}

/** An awareness update with a state over the size cap, or more client ids than a peer may announce. */
export class AwarenessTooLargeError extends Error {
  constructor() {
    super('awareness state too large')
  }
}

/** The room's stored document cannot be applied: the room serves nobody and writes nothing. */
export class RoomUnavailableError extends Error {
  constructor(roomId: string, options?: { cause: unknown }) {
    super(`room ${roomId} unavailable: stored document unreadable`, options)
  }
}

/** A socket's link id no longer opens its board: the owner reset the link, or moved the board to the trash. */
export class LinkRefusedError extends Error {
  constructor(readonly refusal: LinkRefusal) {
    super(refusal)
  }
}
