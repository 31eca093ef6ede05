import { describe, expect, it, onTestFinished } from 'vitest'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import https from 'node:https'
import path from 'node:path'
import WebSocket from 'ws'
import { createDatabase, providerOf } from '../../lib/db/client.ts'
import { createLogger } from '../log.ts'
import { PrismaRoomStore } from '../storage/prismaRoomStore.ts'
import { createSyncServer, type SyncServer } from './syncServer.ts'
import { startTestProcess, useTempDatabase } from '../testing/fixture.ts'
import { TEST_ORIGIN, testConfig, tokenFor } from '../testing/support.ts'

/** A self-signed certificate for 127.0.0.1 and localhost, made for this test. */
function selfSignedCertificate(dir: string): { certFile: string; keyFile: string } {
  const certFile = path.join(dir, 'cert.pem')
  const keyFile = path.join(dir, 'key.pem')
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
    '-keyout', keyFile, '-out', certFile,
  ], { stdio: 'ignore' })
  return { certFile, keyFile }
}

function authOverWss(port: number, ca: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`wss://127.0.0.1:${port}/secure`, { ca, headers: { origin: TEST_ORIGIN } })
    ws.on('error', reject)
    ws.on('open', async () => ws.send(JSON.stringify({ type: 'auth', token: await tokenFor('secure') })))
    ws.on('message', (data, isBinary) => {
      if (!isBinary) {
        resolve(JSON.parse(data.toString()).type)
        ws.close()
      }
    })
  })
}

describe('transport security', () => {
  it('serves wss:// itself when given a certificate and key', async () => {
    const database = await useTempDatabase()
    const { certFile, keyFile } = selfSignedCertificate(database.dir)
    const db = await createDatabase(database.url)
    const server: SyncServer = createSyncServer(testConfig(), new PrismaRoomStore(db, providerOf(database.url)), createLogger('silent'), {
      tls: { cert: readFileSync(certFile), key: readFileSync(keyFile) },
    })
    const port = await server.listen()
    // Built by hand, not by startTestServer: the fixture's servers speak plain ws://.
    onTestFinished(async () => {
      await server.close()
      await db.$disconnect()
    })
    const ca = readFileSync(certFile)
    expect(await authOverWss(port, ca)).toBe('auth-ok')
    const health = await new Promise<number>((resolve, reject) => {
      https.get(`https://127.0.0.1:${port}/healthz`, { ca }, (res) => resolve(res.statusCode ?? 0)).on('error', reject)
    })
    expect(health).toBe(200)
    // A client that does not trust the certificate is refused by TLS itself.
    await expect(
      new Promise((resolve, reject) => {
        const ws = new WebSocket(`wss://127.0.0.1:${port}/secure`)
        ws.on('open', resolve)
        ws.on('error', reject)
      }),
    ).rejects.toThrow(/self-signed|certificate/)
  })

  it('reads TLS_CERT_FILE and TLS_KEY_FILE at start', async () => {
    const database = await useTempDatabase()
    const { certFile, keyFile } = selfSignedCertificate(database.dir)
    const proc = await startTestProcess(database, { TLS_CERT_FILE: certFile, TLS_KEY_FILE: keyFile })
    expect(await authOverWss(proc.port, readFileSync(certFile))).toBe('auth-ok')
  })
})
