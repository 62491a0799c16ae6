import { pino } from 'pino'
import { afterAll, beforeAll } from 'vitest'
import { startCaptureServers, type CaptureServers } from '../../fixtures/capture/index.js'
import { startReplica, type Replica } from '../../fixtures/replica/server.js'
import type { LianxinConfig } from '../../src/config/index.js'
import { runDaemon } from '../../src/daemon/daemon.js'
import type { CycleReport } from '../../src/daemon/cycle.js'
import type { Store } from '../../src/store/store.js'
import { demoSources } from '../../src/demo/run.js'
import { pingfangConfig } from './bureau.js'
import { startReplyReceiver, type ReplyReceiver } from './reply-receiver.js'

/** The replica sources, the notification capture servers and a webhook receiver for replies. */
export interface DaemonWorld {
  replica: Replica
  capture: CaptureServers
  replies: ReplyReceiver
  config: LianxinConfig
  close(): Promise<void>
}

/**
 * A bureau whose sources are the replica's message board and Weibo, whose notifications go to
 * a WeCom bot and a signed webhook (capture servers), and whose replies are published by a
 * signed webhook to a receiver that dedupes on Idempotency-Key.
 */
export async function daemonWorld(options: { now?: () => number } = {}): Promise<DaemonWorld> {
  const replica = await startReplica({ port: 0, crawlDelay: 0 })
  const capture = await startCaptureServers(options.now ? { now: options.now } : {})
  const replies = await startReplyReceiver('reply-secret')
  const config = pingfangConfig((doc) => {
    doc.sources = demoSources(replica.url).filter((s) => s.kind === 'liuyan' || s.kind === 'weibo')
    doc.crawl = { ...(doc.crawl as object), minIntervalMs: 0, retries: 0 }
    doc.notify = {
      channels: [
        { id: 'wecom-bureau', kind: 'wecom', url: capture.wecom.url },
        { id: 'hook', kind: 'webhook', url: capture.webhook.url, secret: capture.webhook.secret },
      ],
      digestEvery: '1h',
    }
    doc.publish = { channels: [{ id: 'portal', kind: 'webhook', url: replies.url, secret: 'reply-secret' }], default: 'portal' }
  })
  return {
    replica,
    capture,
    replies,
    config,
    async close() {
      await Promise.all([replica.close(), capture.close(), replies.close()])
    },
  }
}

/** A logger that keeps quiet in tests (set LIANXIN_TEST_LOG=1 to see it). */
export const quietLog = pino({ level: process.env.LIANXIN_TEST_LOG ? 'info' : 'silent' })

/** A notification the capture webhook received: its key, title, the people it named, and all of it. */
export interface Pushed {
  key: string
  title: string
  to: string[]
  body: Record<string, unknown>
}

/**
 * For tests that run the daemon one cycle at a time on a clock they move: a capture webhook on that
 * clock (started before the tests, closed after), a config with no sources whose notifications go
 * to it, a cycle of `lianxin daemon --once`, and what the webhook got of one kind.
 */
export function useDaemonCycles(clock: { now: () => Date }): {
  config(change?: (doc: Record<string, unknown>) => void): LianxinConfig
  cycle(store: Store, config: LianxinConfig): Promise<CycleReport>
  pushed(kind: string): Pushed[]
} {
  let capture: CaptureServers | undefined
  beforeAll(async () => {
    capture = await startCaptureServers({ now: () => clock.now().getTime() })
  })
  afterAll(async () => capture?.close())
  const hook = () => capture!.webhook
  return {
    config: (change) =>
      pingfangConfig((doc) => {
        doc.sources = []
        doc.notify = { channels: [{ id: 'hook', kind: 'webhook', url: hook().url, secret: hook().secret }] }
        change?.(doc)
      }),
    cycle: async (store, config) => (await runDaemon({ store, config, baseDir: '/tmp', once: true, logger: quietLog })).last!,
    pushed: (kind) =>
      hook()
        .received.filter((m) => m.body.kind === kind)
        .map((m) => ({ key: String(m.body.key), title: String(m.body.title), to: (m.body.recipients as Array<{ name: string }>).map((r) => r.name), body: m.body })),
  }
}

