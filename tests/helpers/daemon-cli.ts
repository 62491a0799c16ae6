/**
 * Running the real `lianxin daemon` (built CLI, `npm test` builds first) as child processes that
 * a test can SIGKILL, against the replica, the notification capture servers and a reply
 * receiver: the config it reads, the processes, and waiting on them.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { stringify } from 'yaml'
import type { CaptureServers } from '../../fixtures/capture/index.js'
import { parseConfig, type LianxinConfig } from '../../src/config/index.js'
import { demoSources } from '../../src/demo/run.js'
import { readProfile } from './config.js'
import type { ReplyReceiver } from './reply-receiver.js'

const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url))

/** The reply receiver's HMAC secret, as the publish channel is configured. */
export const REPLY_SECRET = 'reply-secret'

/** Options of {@link writeDaemonConfig}. */
export interface DaemonConfigOptions {
  readonly replicaUrl: string
  readonly capture: CaptureServers
  readonly replies: ReplyReceiver
  /** `database:` of lianxin.yaml; absent = lianxin.sqlite beside it. */
  readonly database?: { url: string; schema?: string }
  /** More settings of each notify channel (`events`, `to`) to keep the volume under the bots' 20 a minute. */
  readonly channels?: { wecom?: Record<string, unknown>; hook?: Record<string, unknown> }
  /** Further changes to the document. */
  readonly change?: (doc: Record<string, unknown>) => void
}

/**
 * The Pingfang profile made fast: the replica's message board (the district head's board) and
 * one Weibo account crawled every two seconds, a 0.2 s tick, the accept clock (一时接访) at 2 s:
 * a warning at 1.6 s, a breach at 2 s and the supervising leader told 3 s later (the other
 * clocks at an hour, so each ticket has its alerts within seconds, then none). Warnings are
 * digested every 2 s; notifications go to a WeCom bot and a signed webhook (capture servers);
 * replies are published by a signed webhook.
 *
 * Kept small on purpose: a daemon process sends at most 20 messages a minute per channel (the
 * bots' limit, src/notify/notifier.ts) and its notify step waits when that is used up; the
 * outbox sends at most 18 a run per channel and puts the rest off for a minute.
 */
export function daemonDoc(options: DaemonConfigOptions): Record<string, unknown> {
  const { capture, replies } = options
  const doc = readProfile()
  doc.sources = demoSources(options.replicaUrl)
    .filter((s) => s.kind === 'liuyan' || s.kind === 'weibo')
    .map((s) => ({
      ...s,
      schedule: '*/2 * * * * *',
      options: s.kind === 'liuyan' ? { ...(s.options as object), boards: ['平房区长'] } : { ...(s.options as object), users: ['6000000002'], keywords: [] },
    }))
  doc.crawl = { ...(doc.crawl as object), minIntervalMs: 5, retries: 1, timeoutMs: 10_000 }
  const sla = doc.sla as Record<string, unknown>
  doc.sla = {
    ...sla,
    escalateAfterBreach: '3s',
    clocks: { accept: { within: '2s' }, assign: { within: '1h' }, characterise: { within: '1h' }, reply: { within: '1h' }, close: { within: '1h' } },
  }
  doc.notify = {
    channels: [
      { id: 'wecom-bureau', kind: 'wecom', url: capture.wecom.url, ...options.channels?.wecom },
      { id: 'hook', kind: 'webhook', url: capture.webhook.url, secret: capture.webhook.secret, ...options.channels?.hook },
    ],
    digestEvery: '2s',
  }
  doc.publish = { channels: [{ id: 'portal', kind: 'webhook', url: replies.url, secret: REPLY_SECRET }], default: 'portal' }
  doc.daemon = { tick: '0.2s' }
  if (options.database) doc.database = options.database
  options.change?.(doc)
  return doc
}

/** Writes `<dir>/<name>` and returns its path and the parsed config (for the library in the test). */
export function writeDaemonConfig(dir: string, options: DaemonConfigOptions, name = 'lianxin.yaml'): { file: string; config: LianxinConfig; doc: Record<string, unknown> } {
  const doc = daemonDoc(options)
  const text = stringify(doc)
  const file = join(dir, name)
  writeFileSync(file, text)
  return { file, config: parseConfig(text, name), doc }
}

/** A `lianxin` process of the built CLI. */
export interface CliProcess {
  readonly child: ChildProcess
  readonly pid: number
  /** stdout and stderr so far (the daemon logs JSON lines to stderr when no logFile is set). */
  text(): string
  /** The JSON log lines so far. */
  logs(): Array<Record<string, unknown>>
  /** Resolves true once the daemon logged "daemon started", false if it exited first. */
  readonly started: Promise<boolean>
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/** Starts `node bin/run.js <args>` with a clean environment (PATH, HOME and `env`). */
export function startCli(args: string[], options: { cwd: string; env?: Record<string, string> }): CliProcess {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let text = ''
  let onStarted: ((ok: boolean) => void) | undefined
  const started = new Promise<boolean>((resolve) => (onStarted = resolve))
  const take = (d: Buffer) => {
    text += d.toString()
    if (onStarted && text.includes('"msg":"daemon started"')) {
      onStarted(true)
      onStarted = undefined
    }
  }
  child.stdout!.on('data', take)
  child.stderr!.on('data', take)
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('close', (code, signal) => {
      onStarted?.(false)
      resolve({ code, signal })
    })
  })
  return {
    child,
    pid: child.pid ?? -1,
    text: () => text,
    logs: () =>
      text
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .flatMap((l) => {
          try {
            return [JSON.parse(l) as Record<string, unknown>]
          } catch {
            return []
          }
        }),
    started,
    exit,
  }
}

/** `lianxin daemon --config <file>` (and more args). */
export function startDaemon(configFile: string, cwd: string, args: string[] = [], env: Record<string, string> = {}): CliProcess {
  return startCli(['daemon', '--config', configFile, ...args], { cwd, env })
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Polls `check` until it returns true; false when `timeoutMs` passed first. */
export async function waitUntil(check: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 250): Promise<boolean> {
  const until = Date.now() + timeoutMs
  for (;;) {
    if (await check()) return true
    if (Date.now() >= until) return false
    await sleep(everyMs)
  }
}

/** The `cycle done` reports a daemon logged, oldest first. */
export function cycleReports(run: CliProcess): Array<{ at: string; triaged: number; alerts: number; published: number; newPosts: number; crawled: string[]; delivery: { sent: number }; errors: unknown[] }> {
  return run.logs().filter((l) => l.msg === 'cycle done') as unknown as ReturnType<typeof cycleReports>
}
