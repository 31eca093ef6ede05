/**
 * A board's name made fit to name a downloaded file (exports, .tldr): runs of whitespace and of
 * characters Windows, macOS or Linux refuse become one space; empty falls back to "Board".
 */
export function safeFileName(name: string): string {
  return name.replace(/[\p{Cc}"\\/:*?<>|\s]+/gu, ' ').trim().slice(0, 150).trim() || 'Board'
}
