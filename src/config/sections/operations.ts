/**
 * How lianxin runs: the "五个一" SLA clocks and the working calendar, crawl politeness,
 * the crawl sources, notification channels and the daemon.
 */
import { z } from 'zod'
import { durationSchema } from '../duration.js'
import { calendarDate, cronExpression, emptyAsDefault, httpUrl, nonNegativeInt, positiveInt, proxyUrl, slug, text } from '../fields.js'

/** Whether an SLA clock counts every hour (natural) or only working time on working days. */
export const CLOCK_BASES = ['natural', 'working'] as const

/** The five "五个一" clocks, in the order a ticket meets them. */
export const CLOCK_NAMES = ['accept', 'assign', 'characterise', 'reply', 'close'] as const
export type ClockName = (typeof CLOCK_NAMES)[number]

/** Source kinds; each has an adapter that validates its own `options`. */
export const SOURCE_KINDS = ['liuyan', 'weibo', 'wechat', 'rss', 'html', 'browser'] as const
/** Source kinds whose posts are citizens' own: each new post opens a ticket unless `tickets: false`. */
export const CITIZEN_SOURCE_KINDS: readonly string[] = ['liuyan', 'weibo', 'wechat']

/** Which posts of a source open tickets when its config does not say (`sources[].tickets`). */
export function defaultTicketPolicy(kind: string): boolean | 'appeals' {
  if (kind === 'liuyan') return true
  return CITIZEN_SOURCE_KINDS.includes(kind) ? 'appeals' : false
}

/** Source kinds that fetch one given page or feed, so they need `url`. */
export const URL_SOURCE_KINDS: readonly string[] = ['rss', 'html', 'browser']

/** Notification channel kinds. */
export const CHANNEL_KINDS = ['wecom', 'dingtalk', 'feishu', 'webhook', 'email'] as const

const clock = (within: string) =>
  z
    .object({
      within: durationSchema,
      basis: z.enum(CLOCK_BASES, { error: 'must be natural or working' }).default('natural'),
    })
    .strict()
    .prefault({ within })

const isoWeekday = z
  .number({ error: 'expected an ISO weekday number 1-7 (1 = Monday)' })
  .int({ error: 'expected an ISO weekday number 1-7 (1 = Monday)' })
  .min(1, { error: 'ISO weekdays run from 1 (Monday) to 7 (Sunday)' })
  .max(7, { error: 'ISO weekdays run from 1 (Monday) to 7 (Sunday)' })

export const slaSchema = z
  .object({
    calendar: emptyAsDefault(
      z
        .object({
        /** ISO weekdays that are worked, 1 = Monday … 7 = Sunday. */
          workdays: emptyAsDefault(z.array(isoWeekday).default([1, 2, 3, 4, 5])),
          /** Public holidays (法定节假日) that are not worked, YYYY-MM-DD. */
          holidays: emptyAsDefault(z.array(calendarDate).default([])),
          /** Weekend days that are worked (调休上班), YYYY-MM-DD. */
          makeupWorkdays: emptyAsDefault(z.array(calendarDate).default([])),
        })
        .strict()
        .prefault({}),
    ),
    /** Warn when this fraction of a clock has run, 0 < x < 1. */
    warnAt: z
      .number({ error: 'expected a fraction such as 0.8' })
      .gt(0, { error: 'must be between 0 and 1 (e.g. 0.8)' })
      .lt(1, { error: 'must be between 0 and 1 (e.g. 0.8)' })
      .default(0.8),
    /** Tell the supervising leader when a reply has waited this long for their signature. */
    escalateLeaderAfter: durationSchema.default('1d'),
    /** Tell the supervising leader when a clock has been overdue this long (分层督办). */
    escalateAfterBreach: durationSchema.default('1d'),
    clocks: z
      .object({
        accept: clock('1h'),
        assign: clock('1d'),
        characterise: clock('7d'),
        reply: clock('10d'),
        close: clock('30d'),
      })
      .strict()
      .prefault({}),
  })
  .strict()

export const crawlSchema = z
  .object({
    /** Sent with every request; say who is crawling and how to reach you. */
    userAgent: text
      .regex(/^[\x20-\x7e]+$/, { error: 'must be plain ASCII: HTTP headers cannot carry Chinese characters' })
      .default('lianxin/0.1 (+petition bureau crawler; polite, low rate)'),
    proxy: proxyUrl.optional(),
    /** Minimum gap between two requests to the same host. */
    minIntervalMs: nonNegativeInt.default(2000),
    /** Requests in flight at once across all sources. */
    concurrency: positiveInt.max(16, { error: 'at most 16; be polite to public sites' }).default(1),
    timeoutMs: positiveInt.default(30_000),
    retries: nonNegativeInt.max(10, { error: 'at most 10' }).default(3),
    maxBodyBytes: positiveInt.default(10_485_760),
    respectRobots: z.boolean({ error: 'expected true or false' }).default(true),
  })
  .strict()

export const sourceSchema = z
  .object({
    id: slug,
    kind: z.enum(SOURCE_KINDS, { error: `must be one of ${SOURCE_KINDS.join(', ')}` }),
    name: text,
    enabled: z.boolean({ error: 'expected true or false' }).default(true),
    /** Cron expression in the district time zone. */
    schedule: cronExpression,
    baseUrl: httpUrl.optional(),
    url: httpUrl.optional(),
    /** Per-source override of crawl.respectRobots. */
    respectRobots: z.boolean({ error: 'expected true or false' }).optional(),
    /**
     * Which new posts open a ticket: `true` every one, `appeals` those that read as a citizen's
     * appeal (not a notice, news or thanks; 特急 posts always), `false` none. Default: `true` for
     * the message board (liuyan), `appeals` for self-media (weibo, wechat), `false` for news and
     * notices (rss, html, browser). Posts without a ticket are still triaged, matched as
     * duplicates and counted in hotspots.
     */
    tickets: z.union([z.boolean(), z.literal('appeals')], { error: 'expected true, false or appeals' }).optional(),
    /** Kind-specific settings, validated by the source adapter. */
    options: emptyAsDefault(z.record(z.string(), z.unknown(), { error: 'expected a mapping of options' }).default({})),
  })
  .strict()

export const channelSchema = z
  .object({
    id: slug,
    kind: z.enum(CHANNEL_KINDS, { error: `must be one of ${CHANNEL_KINDS.join(', ')}` }),
    enabled: z.boolean({ error: 'expected true or false' }).default(true),
    /** Webhook URL (wecom/dingtalk/feishu/webhook) or SMTP server URL (email). */
    url: z.string({ error: 'expected a URL' }).optional(),
    /** Signing secret written in the file; prefer secretEnv. */
    secret: text.optional(),
    /** Name of the environment variable holding the signing secret. */
    secretEnv: z
      .string({ error: 'expected an environment variable name' })
      .regex(/^[A-Z_][A-Z0-9_]*$/, { error: 'must be an environment variable name such as LIANXIN_WECOM_SECRET' })
      .optional(),
    /** User names to notify; absent = everyone the event concerns. */
    to: z.array(slug).optional(),
    /** Notification kinds to send (clock-warning, clock-breach, clock-leader, urgent-post, digest…; `*` and prefixes like `clock-*`); absent = all. */
    events: z.array(text).optional(),
    /** Channel-specific settings, validated by the channel (email: `emails`, a map of user name to address). */
    options: z.record(z.string(), z.unknown(), { error: 'expected a mapping of options' }).optional(),
  })
  .strict()

export const notifySchema = z
  .object({
    channels: emptyAsDefault(z.array(channelSchema).default([])),
    /** Who gets 特急 posts pushed at once; absent = the bureau heads and supervising leaders. */
    urgentTo: z.array(slug).optional(),
    /** Non-urgent notifications (clock warnings) go out together, at most this often. */
    digestEvery: durationSchema.default('1h'),
    /**
     * A daily hotspot briefing (舆情热点, 分类推送): the top clusters of the last `days` to the bureau
     * heads and supervising leaders, and to each department the ones on topics it leads. Absent = none.
     */
    hotspots: z
      .object({
        /** Local time of day it goes out (the daemon sends it in the hour after). */
        at: z.string({ error: 'expected a time such as "08:00"' }).regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: 'expected a time such as "08:00"' }).default('08:00'),
        /** Window of the clusters, in days. */
        days: positiveInt.default(7),
        /** Most hotspots in the briefing. */
        top: positiveInt.default(5),
        /** Fewest posts for a cluster to be a hotspot. */
        minSize: positiveInt.default(3),
      })
      .strict()
      .optional(),
  })
  .strict()

export const daemonSchema = z
  .object({
    /** Serve Prometheus metrics on this port; absent = no metrics endpoint. */
    metricsPort: z
      .number({ error: 'expected a port number 1-65535' })
      .int({ error: 'expected a port number 1-65535' })
      .min(1, { error: 'expected a port number 1-65535' })
      .max(65_535, { error: 'expected a port number 1-65535' })
      .optional(),
    /** Address the metrics endpoint binds to. */
    host: text.default('127.0.0.1'),
    /** How often the daemon wakes to watch clocks, publish and deliver (crawls follow their own cron). */
    tick: durationSchema.default('1m'),
    /** Write the JSON log here instead of stderr (relative to lianxin.yaml). */
    logFile: text.optional(),
  })
  .strict()
