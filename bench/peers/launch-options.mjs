// Command-line options shared by the peer launchers.

export function readOption(name) {
  const index = process.argv.indexOf(name)
  return index === -1 ? undefined : process.argv[index + 1]
}

export function readPort() {
  const port = Number(readOption('--port'))
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    console.error('usage: --port <1-65535>')
    process.exit(2)
  }
  return port
}

/** Exits 0 after `close` on SIGTERM/SIGINT, so --cpu-prof can write its profile. */
export function stopOnSignals(close) {
  const stop = () => {
    // Open sockets can keep close() pending; a profile is still written on exit.
    setTimeout(() => process.exit(0), 1000).unref()
    close().finally(() => process.exit(0))
  }
  process.once('SIGTERM', stop)
  process.once('SIGINT', stop)
}
