import { pino } from 'pino'
import { startCaptureServers, type CaptureServers } from '../../fixtures/capture/index.js'
import { startReplica, type Replica } from '../../fixtures/replica/server.js'
import type { LianxinConfig } from '../../src/config/index.js'
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
