import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { verifyWebhookSignature } from '../../src/publish/channels/webhook.js'

/** A portal that receives published replies: checks the HMAC, stores each Idempotency-Key once. */
export interface ReplyReceiver {
  url: string
  /** Replies stored, once per Idempotency-Key. */
  stored: Array<{ key: string; body: Record<string, unknown> }>
  /** Requests whose key was already stored (answered 200, not stored again). */
  repeats: string[]
  /** Requests refused (bad signature, no key). */
  refused: number
  /** Every request, whatever the answer. */
  requests: number
  /** Answer every request with this status and body, storing nothing (undefined: behave). */
  answerWith(answer: { status: number; body: string } | undefined): void
  close(): Promise<void>
}

export async function startReplyReceiver(secret: string): Promise<ReplyReceiver> {
  const stored: ReplyReceiver['stored'] = []
  const repeats: string[] = []
  let refused = 0
  let requests = 0
  let forced: { status: number; body: string } | undefined
  const server = createServer((req, res) => {
    requests += 1
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      if (forced) return void res.writeHead(forced.status, { 'content-type': 'application/json' }).end(forced.body)
      const raw = Buffer.concat(chunks)
      const ts = req.headers['x-lianxin-timestamp']
      const sig = req.headers['x-lianxin-signature']
      const key = req.headers['idempotency-key']
      const check = verifyWebhookSignature(secret, Array.isArray(ts) ? ts[0] : ts, raw, Array.isArray(sig) ? sig[0] : sig, { toleranceSec: 1e9 })
      if (!check.ok || typeof key !== 'string') {
        refused += 1
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"ok":false}')
        return
      }
      if (stored.some((s) => s.key === key)) repeats.push(key)
      else stored.push({ key, body: JSON.parse(raw.toString('utf8')) as Record<string, unknown> })
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, id: `portal-${stored.length}` }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/replies`,
    stored,
    repeats,
    get refused() {
      return refused
    },
    get requests() {
      return requests
    },
    answerWith(answer) {
      forced = answer
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}
