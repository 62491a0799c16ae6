import { afterEach, describe, expect, it } from 'vitest'
import { BadResponseError, BlockedError, RetryableFetchError, RobotsDisallowedError } from '../../src/crawl/errors.js'
import { Fetcher, parseRetryAfter, type FetcherOptions } from '../../src/crawl/fetcher.js'
import { HostPool } from '../../src/crawl/host-pool.js'
import { serve, type TestServer } from '../helpers/http.js'

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

const fetcher = (overrides: Partial<FetcherOptions> = {}) =>
  new Fetcher({
    sourceId: 'test',
    pool: new HostPool({ minIntervalMs: 0 }),
    userAgent: 'lianxin-test/1.0',
    retries: 3,
    backoffBaseMs: 5,
    timeoutMs: 2000,
    ...overrides,
  })

const pages = (handler: (path: string, n: number) => { status?: number; headers?: Record<string, string>; body?: string | Buffer }) => {
  let n = 0
  return serve((req, res) => {
    if (req.url === '/robots.txt') {
      res.statusCode = 404
      return void res.end()
    }
    const out = handler(req.url ?? '/', ++n)
    res.writeHead(out.status ?? 200, out.headers ?? { 'content-type': 'text/plain; charset=utf-8' })
    res.end(out.body ?? 'ok')
  })
}

describe('Fetcher', () => {
  it('retries 5xx with back-off and then succeeds', async () => {
    server = await pages((_, n) => (n < 3 ? { status: 503 } : { body: '平房区' }))
    const f = fetcher()
    const res = await f.get(`${server.url}/list`)
    expect(res.text()).toBe('平房区')
    expect(f.stats).toMatchObject({ requests: 4, retries: 2 }) // robots.txt + 3 tries
  })

  it('gives up after the configured retries with a retryable error', async () => {
    server = await pages(() => ({ status: 502 }))
    const f = fetcher({ retries: 2 })
    await expect(f.get(`${server.url}/x`)).rejects.toBeInstanceOf(RetryableFetchError)
    expect(server.hits.filter((h) => h.path === '/x')).toHaveLength(3)
  })

  it('waits as long as Retry-After says on 429, then goes on', async () => {
    server = await pages((_, n) => (n === 1 ? { status: 429, headers: { 'retry-after': '1' } } : { body: 'ok' }))
    const f = fetcher()
    const res = await f.get(`${server.url}/a`)
    expect(res.status).toBe(200)
    const [first, second] = server.hits.filter((h) => h.path === '/a')
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(950)
  })

  it('treats a 429 that never ends as a block and stops asking', async () => {
    server = await pages(() => ({ status: 429 }))
    const f = fetcher({ retries: 2 })
    const err = await f.get(`${server.url}/a`).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(BlockedError)
    expect((err as BlockedError).signal).toBe('http-429')
    const before = server.hits.length
    await expect(f.get(`${server.url}/b`)).rejects.toBe(err)
    expect(server.hits.length).toBe(before)
  })

  it.each([403, 418, 432])('stops at once on HTTP %i', async (status) => {
    server = await pages(() => ({ status }))
    const f = fetcher()
    await expect(f.get(`${server.url}/a`)).rejects.toMatchObject({ signal: `http-${status}` })
    expect(server.hits.filter((h) => h.path === '/a')).toHaveLength(1)
    expect(f.blockedBy).toBeInstanceOf(BlockedError)
  })

  it('does not retry a 404', async () => {
    server = await pages(() => ({ status: 404 }))
    await expect(fetcher().get(`${server.url}/gone`)).rejects.toBeInstanceOf(BadResponseError)
    expect(server.hits.filter((h) => h.path === '/gone')).toHaveLength(1)
  })

  it('times out a hanging response and retries it', async () => {
    let n = 0
    server = await serve((req, res) => {
      if (req.url === '/robots.txt') return void res.writeHead(404).end()
      if (++n === 1) return // hang
      res.end('late but fine')
    })
    const res = await fetcher({ timeoutMs: 300 }).get(`${server.url}/slow`)
    expect(res.text()).toBe('late but fine')
  })

  it('retries a body cut short', async () => {
    let n = 0
    server = await serve((req, res) => {
      if (req.url === '/robots.txt') return void res.writeHead(404).end()
      if (++n === 1) {
        res.writeHead(200, { 'content-length': '1000' })
        res.write('partial')
        return void res.socket?.destroy()
      }
      res.end('whole')
    })
    expect((await fetcher().get(`${server.url}/cut`)).text()).toBe('whole')
  })

  it('refuses a body over the size limit', async () => {
    server = await pages(() => ({ body: Buffer.alloc(200_000, 97) }))
    await expect(fetcher({ maxBodyBytes: 50_000 }).get(`${server.url}/big`)).rejects.toThrow(/larger than the 50000-byte limit/)
  })

  it('honours robots.txt unless told not to, and uses its Crawl-delay', async () => {
    server = await serve((req, res) => {
      if (req.url === '/robots.txt') return void res.end('User-agent: *\nDisallow: /private/\nCrawl-delay: 0.3\n')
      res.end('page')
    })
    const pool = new HostPool({ minIntervalMs: 0 })
    const f = fetcher({ pool })
    await expect(f.get(`${server.url}/private/list`)).rejects.toBeInstanceOf(RobotsDisallowedError)
    expect(server.hits.some((h) => h.path === '/private/list')).toBe(false)
    await f.get(`${server.url}/a`)
    await f.get(`${server.url}/b`)
    const [a, b] = server.hits.filter((h) => h.path === '/a' || h.path === '/b')
    expect(b!.at - a!.at).toBeGreaterThanOrEqual(280)
    expect((await fetcher({ respectRobots: false }).get(`${server.url}/private/list`)).text()).toBe('page')
  })

  it('keeps at most one request in flight per host with the minimum interval', async () => {
    let inFlight = 0
    let maxInFlight = 0
    server = await serve(async (req, res) => {
      inFlight++
      maxInFlight = Math.max(maxInFlight, inFlight)
      await new Promise((r) => setTimeout(r, 20))
      inFlight--
      res.writeHead(req.url === '/robots.txt' ? 404 : 200).end('x')
    })
    const pool = new HostPool({ minIntervalMs: 100 })
    const f = fetcher({ pool })
    await Promise.all([1, 2, 3, 4].map((i) => f.get(`${server!.url}/p${i}`)))
    expect(maxInFlight).toBe(1)
    const starts = server.hits.map((h) => h.at)
    // Starts are at least 100 ms apart at the client (a late timer moves the next one on); the
    // server, in this same busy process, may see one a little late. Without the pool they come together.
    for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBeGreaterThanOrEqual(80)
    expect(starts.at(-1)! - starts[0]!).toBeGreaterThanOrEqual(300)
  })

  it('keeps cookies per source and sends the configured user agent', async () => {
    server = await serve((req, res) => {
      if (req.url === '/robots.txt') return void res.writeHead(404).end()
      if (req.url === '/warm') return void res.writeHead(200, { 'set-cookie': '__jsluid_s=abc; Path=/' }).end('hi')
      res.end(String(req.headers.cookie ?? 'none'))
    })
    const f = fetcher()
    await f.get(`${server.url}/warm`)
    expect((await f.get(`${server.url}/next`)).text()).toBe('__jsluid_s=abc')
    expect((await fetcher().get(`${server.url}/next`)).text()).toBe('none')
    expect(server.hits.at(-1)?.headers['user-agent']).toBe('lianxin-test/1.0')
  })

  it('decodes GBK pages by header or by meta tag', async () => {
    const gbk = Buffer.from([0xc6, 0xbd, 0xb7, 0xbf, 0xc7, 0xf8]) // 平房区
    server = await serve((req, res) => {
      if (req.url === '/robots.txt') return void res.writeHead(404).end()
      if (req.url === '/header') return void res.writeHead(200, { 'content-type': 'text/html; charset=GBK' }).end(gbk)
      res.writeHead(200, { 'content-type': 'text/html' })
      res.end(Buffer.concat([Buffer.from('<html><head><meta charset="gb18030"></head><body>'), gbk, Buffer.from('</body></html>')]))
    })
    const f = fetcher()
    expect((await f.get(`${server.url}/header`)).text()).toBe('平房区')
    expect((await f.get(`${server.url}/meta`)).text()).toContain('平房区')
  })
})

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('120', 0)).toBe(120_000)
    expect(parseRetryAfter('Sat, 28 Nov 2026 08:00:10 GMT', Date.parse('2026-11-28T08:00:00Z'))).toBe(10_000)
    expect(parseRetryAfter('soon', 0)).toBeUndefined()
  })
})
