/**
 * The one mapping from the errors that end a connection to the close code and reason its client
 * gets (lib/protocol.ts `Close`). Rooms, the token check and the frame decoder throw domain errors
 * and never pick a code; anything not listed here is the server's own fault (1011, Close.internal).
 */
import { Close, type CloseReason } from '../../lib/protocol.ts'
import { RoomTokenError, type TokenFailure } from '../../lib/token.ts'
import { MalformedFrameError } from '../../lib/wire.ts'
import { AwarenessTooLargeError, DocumentTooLargeError, LinkRefusedError, ReadOnlyWriteError, RoomUnavailableError } from '../room/errors.ts'
import { InvalidUpdateError } from '../room/validation.ts'
import { MalformedUpdateError } from '../yjs/updateReader.ts'

const TOKEN_FAILURE_CLOSE: Record<TokenFailure, CloseReason> = {
  invalid: Close.authInvalid,
  expired: Close.authExpired,
  'room-mismatch': Close.roomMismatch,
}

/** The close for an error a client caused or was told of, or null for an unexpected one (a bug). */
export function expectedCloseReason(error: unknown): CloseReason | null {
  if (error instanceof MalformedFrameError || error instanceof MalformedUpdateError) return Close.malformed
  // Invalid document content: 1007 with the validator's reason.
  if (error instanceof InvalidUpdateError) return { code: 1007, reason: error.message }
  if (error instanceof ReadOnlyWriteError) return Close.readOnly
  if (error instanceof AwarenessTooLargeError) return Close.awarenessTooLarge
  if (error instanceof DocumentTooLargeError) return Close.docTooLarge
  if (error instanceof RoomUnavailableError) return Close.roomUnavailable
  if (error instanceof RoomTokenError) return TOKEN_FAILURE_CLOSE[error.failure]
  if (error instanceof LinkRefusedError) return error.refusal === 'board deleted' ? Close.boardDeleted : Close.linkRevoked
  return null
}

/** The close for any error: its expected close, or Close.internal. */
export function closeReasonFor(error: unknown): CloseReason {
  return expectedCloseReason(error) ?? Close.internal
}
