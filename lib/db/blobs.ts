import type { Provider } from './client.ts'

/**
 * Reading binary columns without Prisma's slow path. Prisma's driver adapters turn a BLOB/BYTEA
 * result into a JavaScript array of numbers (for a 3.6 MB document: 0.4 s and a few hundred MB of
 * garbage); reading the column as hex text through a raw query and decoding it natively is
 * about ten times cheaper (the adapters' number arrays are checked by a canary in
 * prismaInternals.suite.ts). The sync server writes updates through the driver adapter as bytes
 * (client.ts: insertRows).
 */

/** SQL for `column` read as hex text (upper-case on SQLite, lower-case on PostgreSQL; fromHex reads both). */
export function hexColumn(provider: Provider, column: string): string {
  return provider === 'postgresql' ? `encode("${column}", 'hex')` : `hex("${column}")`
}

/** `count` comma-separated parameter placeholders, numbered from `after + 1` on PostgreSQL. */
export function placeholders(provider: Provider, count: number, after = 0): string {
  return Array.from({ length: count }, (_, i) => (provider === 'postgresql' ? `$${after + i + 1}` : '?')).join(', ')
}

export function fromHex(hex: string): Buffer {
  return Buffer.from(hex, 'hex')
}
