import pino, { type Logger } from 'pino'

export type { Logger }

/** Structured JSON logs; callers add room and connection ids, never tokens or document content. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'sync' } })
}
