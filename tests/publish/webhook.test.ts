import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { IntegrityError, RefusedError, SourceError } from '../../src/errors.js'
import { signWebhook, verifyWebhookSignature, WebhookChannel, type WebhookChannelOptions } from '../../src/publish/channels/webhook.js'
import { idempotencyKey } from '../../src/publish/item.js'
import { makeItem } from './helpers.js'

const SECRET = 'pingfang-12345-shared-secret'

interface Request {
  key: string | undefined
  headers: IncomingHttpHeaders
  raw: string
  status: number
}

/**
 * A receiving system as docs/publishing.md asks for one: checks the signature, stores the first
 * delivery per Idempotency-Key and answers every repeat with the stored result.
 */
interface Receiver {
  url: string
  requests: Request[]
  stored: Map<string, { id: string; body: unknown }>
  /** Answer the next n requests with 500 (before storing anything). */
  fail: number
  /** Store the next n deliveries, then drop the connection without answering (a crash or timeout in between). */
  dropAfterStore: number
  /** Answer the next n requests with 429 and Retry-After: 1. */
  throttle: number
  /** Never answer. */
  hang: boolean
  close(): Promise<void>
}

async function startReceiver(secret = SECRET): Promise<Receiver> {
  const sockets = new Set<Socket>()
  const receiver: Receiver = { url: '', requests: [], stored: new Map(), fail: 0, dropAfterStore: 0, throttle: 0, hang: false, close: async () => undefined }
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const raw = Buffer.concat(chunks)
      const key = req.headers['idempotency-key'] as string | undefined
      const entry: Request = { key, headers: req.headers, raw: raw.toString('utf8'), status: 0 }
      receiver.requests.push(entry)
      const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        entry.status = status
        res.writeHead(status, { 'content-type': 'application/json', ...headers })
        res.end(JSON.stringify(body))
      }
      if (receiver.hang) return
      const check = verifyWebhookSignature(secret, req.headers['x-lianxin-timestamp'] as string | undefined, raw, req.headers['x-lianxin-signature'] as string | undefined)
      if (!check.ok) return answer(401, { error: check.reason, message: check.message })
      if (key === undefined) return answer(400, { error: 'Idempotency-Key required' })
      if (receiver.fail > 0) {
        receiver.fail--
        return answer(500, { error: 'database unavailable' })
      }
      if (receiver.throttle > 0) {
        receiver.throttle--
        return answer(429, { error: 'slow down' }, { 'retry-after': '1' })
      }
      const earlier = receiver.stored.get(key)
      if (earlier) return answer(200, { id: earlier.id, url: `https://12345.hrbpf.example/replies/${earlier.id}` }, { 'idempotent-replayed': 'true' })
      const id = `R-${receiver.stored.size + 1}`
      receiver.stored.set(key, { id, body: JSON.parse(raw.toString('utf8')) })
      if (receiver.dropAfterStore > 0) {
        receiver.dropAfterStore--
        req.socket.destroy()
        return
      }
      answer(201, { id, url: `https://12345.hrbpf.example/replies/${id}` })
    })
  })
  server.on('connection', (s: Socket) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/lianxin/replies`
  receiver.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy()
      server.close(() => resolve())
    })
  return receiver
}

let receiver: Receiver
let sleeps: number[]
beforeEach(async () => {
  receiver = await startReceiver()
  sleeps = []
})
afterEach(async () => {
  await receiver.close()
})

const channel = (options: Partial<WebhookChannelOptions> = {}) =>
  new WebhookChannel({
    id: 'hotline',
    url: receiver.url,
    secret: SECRET,
    sleep: async (ms) => void sleeps.push(ms),
    random: () => 0.5,
    ...options,
  })

describe('webhook channel', () => {
  it('POSTs the signed JSON with the idempotency key, timestamp and HMAC signature', async () => {
    const item = makeItem()
    const hook = channel()
    expect(await hook.find(item)).toBeUndefined() // a webhook cannot be asked; the receiver dedupes
    const receipt = await hook.send(item)
    expect(receipt).toMatchObject({ channel: 'hotline', kind: 'webhook', remoteId: 'R-1', url: 'https://12345.hrbpf.example/replies/R-1' })
    expect(receipt.alreadyThere).toBeUndefined()

    const [req] = receiver.requests
    expect(receiver.requests).toHaveLength(1)
    expect(req!.key).toBe(`lianxin-reply-12-v2-${item.textSha256.slice(0, 16)}`)
    expect(req!.key).toBe(idempotencyKey(item))
    expect(req!.headers['content-type']).toBe('application/json; charset=utf-8')
    const ts = Number(req!.headers['x-lianxin-timestamp'])
    expect(Math.abs(ts - Date.now() / 1000)).toBeLessThan(5)
    expect(req!.headers['x-lianxin-signature']).toBe(signWebhook(SECRET, ts, req!.raw))
    expect(JSON.parse(req!.raw)).toEqual({
      ticketId: 12,
      version: 2,
      title: item.title,
      text: item.text,
      textSha256: item.textSha256,
      signers: item.signers,
      target: item.target,
    })
  })

  it('a resend after a simulated crash carries the same key and body, and the receiver stores it once', async () => {
    const item = makeItem()
    await channel().send(item)
    // The publisher crashed before recording the receipt; the resumed run sends again.
    const again = await channel().send(item)
    expect(again).toMatchObject({ alreadyThere: true, remoteId: 'R-1' })
    expect(receiver.stored.size).toBe(1)
    const [first, second] = receiver.requests
    expect(second!.key).toBe(first!.key)
    expect(second!.raw).toBe(first!.raw)
    expect(second!.status).toBe(200)
  })

  it('retries with the same key when the connection drops after the receiver stored the delivery', async () => {
    receiver.dropAfterStore = 1
    const receipt = await channel().send(makeItem())
    expect(receipt).toMatchObject({ alreadyThere: true, remoteId: 'R-1' })
    expect(receiver.requests).toHaveLength(2)
    expect(new Set(receiver.requests.map((r) => r.key)).size).toBe(1)
    expect(receiver.stored.size).toBe(1)
    expect(sleeps).toEqual([1000])
  })

  it('a wrong secret is refused with the status and the receiver\'s words, and not retried', async () => {
    const err = await channel({ secret: 'not-the-secret' }).send(makeItem()).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(RefusedError)
    const refused = err as RefusedError
    expect(refused.code).toBe('PUBLISH_REFUSED')
    expect(refused.message).toMatch(/^hotline: http:\/\/127\.0\.0\.1:\d+\/api\/lianxin\/replies answered HTTP 401: .*"error":"mismatch".* for ticket 12 v2: the receiver did not accept the signature/)
    expect(refused.message).toContain('same secret')
    expect(refused.details).toMatchObject({ status: 401, ticketId: 12, version: 2 })
    expect(receiver.requests).toHaveLength(1)
    expect(receiver.stored.size).toBe(0)
  })

  it('retries a 500 with back-off and then delivers once', async () => {
    receiver.fail = 2
    const receipt = await channel().send(makeItem())
    expect(receipt).toMatchObject({ remoteId: 'R-1' })
    expect(receipt.alreadyThere).toBeUndefined()
    expect(receiver.requests.map((r) => r.status)).toEqual([500, 500, 201])
    expect(new Set(receiver.requests.map((r) => r.key)).size).toBe(1)
    expect(sleeps).toEqual([1000, 2000])
    expect(receiver.stored.size).toBe(1)
  })

  it('signs with the real clock even when the receipts use another one (a test or replay clock)', async () => {
    const receipt = await channel({ now: () => new Date('2026-11-03T07:00:00.000Z') }).send(makeItem())
    expect(receipt.at).toBe('2026-11-03T07:00:00.000Z')
    expect(receiver.requests[0]!.status).toBe(201) // a timestamp from the fake clock would be refused as stale
  })

  it('honours Retry-After on 429', async () => {
    receiver.throttle = 1
    await channel().send(makeItem())
    expect(receiver.requests.map((r) => r.status)).toEqual([429, 201])
    expect(sleeps).toEqual([1000])
  })

  it('gives up after the retries with an error that says a resend is safe', async () => {
    receiver.fail = 100
    const err = await channel({ retries: 2 }).send(makeItem()).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(SourceError)
    expect((err as SourceError).code).toBe('PUBLISH_FAILED')
    expect((err as SourceError).message).toMatch(/could not deliver ticket 12 v2 to .* \(3 attempts\): HTTP 500: .*database unavailable/)
    expect((err as SourceError).suggestions[0]).toContain(idempotencyKey(makeItem()))
    expect(receiver.requests).toHaveLength(3)
  })

  it('times out a receiver that never answers', async () => {
    receiver.hang = true
    const err = await channel({ timeoutMs: 200, retries: 1 }).send(makeItem()).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(SourceError)
    expect((err as SourceError).message).toMatch(/\(2 attempts\): ETIMEDOUT/)
  })

  it('refuses an item whose text is not the signed one without sending anything', async () => {
    await expect(channel().send({ ...makeItem(), text: '改过的文字' })).rejects.toBeInstanceOf(IntegrityError)
    expect(receiver.requests).toHaveLength(0)
  })
})

describe('verifyWebhookSignature', () => {
  const body = '{"ticketId":1}'
  const now = Date.parse('2026-11-03T07:00:00Z')
  const ts = Math.floor(now / 1000)
  const header = signWebhook(SECRET, ts, body)

  it('accepts the right secret, body and a fresh timestamp (string or Buffer body)', () => {
    expect(verifyWebhookSignature(SECRET, String(ts), body, header, { now })).toEqual({ ok: true })
    expect(verifyWebhookSignature(SECRET, ts, Buffer.from(body), header.toUpperCase().replace('SHA256=', 'sha256='), { now })).toEqual({ ok: true })
  })

  it('says why it refuses', () => {
    expect(verifyWebhookSignature('other', ts, body, header, { now })).toMatchObject({ ok: false, reason: 'mismatch' })
    expect(verifyWebhookSignature(SECRET, ts, '{"ticketId":2}', header, { now })).toMatchObject({ ok: false, reason: 'mismatch' })
    expect(verifyWebhookSignature(SECRET, ts + 1, body, header, { now })).toMatchObject({ ok: false, reason: 'mismatch' })
    expect(verifyWebhookSignature(SECRET, ts, body, header, { now: now + 301_000 })).toMatchObject({ ok: false, reason: 'stale' })
    expect(verifyWebhookSignature(SECRET, ts, body, header, { now: now + 301_000, toleranceSec: 600 })).toEqual({ ok: true })
    expect(verifyWebhookSignature(SECRET, ts, body, 'sha256=abc', { now })).toMatchObject({ ok: false, reason: 'malformed' })
    expect(verifyWebhookSignature(SECRET, 'yesterday', body, header, { now })).toMatchObject({ ok: false, reason: 'malformed' })
    expect(verifyWebhookSignature(SECRET, undefined, body, header, { now })).toMatchObject({ ok: false, reason: 'missing' })
  })
})
