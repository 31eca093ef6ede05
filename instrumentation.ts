/**
 * Next calls this once as the server starts (`next dev`, `next start`, app/_server/httpServer.mjs),
 * before any request: a bad variable stops the app here, with a message naming it. The check is
 * Node-only and imported only there, so Next's Edge build of this file leaves it out.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME === 'nodejs') {
    const { checkAppConfigAtStart } = await import('./app/_server/config.ts')
    checkAppConfigAtStart()
  }
}
