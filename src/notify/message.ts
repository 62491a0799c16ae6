/**
 * What lianxin tells people, and how each platform shows it.
 *
 * A {@link Notification} is platform-neutral: a stable idempotency key, a kind, an urgency, the
 * ticket it is about, a few facts, what to do (with the exact lianxin command) and who it is
 * for. The renderers turn it into each platform's message: WeCom and DingTalk markdown, a
 * Feishu interactive card, the generic webhook JSON and an email. {@link renderDigest} merges
 * several notifications into one message (used when a channel is rate-limited).
 *
 * Every text that may come from a citizen (titles, facts, cues) is made inert before it goes
 * into markdown (see ./text.ts), so a post cannot inject links, mentions or formatting.
 */
import { createHash } from 'node:crypto'
import { URGENCY_LEVELS, type Urgency } from '../config/sections/organisation.js'
import { clip, commandText, escapeHtml, inertMarkdown, inertPlain, oneLine, truncateBytes, utf8Bytes } from './text.js'

/** The kinds lianxin sends today; any other string is allowed and shown as it is. */
export const NOTIFICATION_KINDS = [
  'clock-warning',
  'clock-breach',
  'clock-leader',
  'urgent-post',
  'sign-request',
  'rejected',
  'published',
  'publish-refused',
  'assigned',
  'handed-back',
  'approve-characterisation',
  'reopened',
  'approved',
  'subtasks-done',
  'signature-voided',
  'merged',
  'clock-extended',
  'dissatisfied',
  'hotspot',
  'digest',
] as const
export type KnownNotificationKind = (typeof NOTIFICATION_KINDS)[number]
export type NotificationKind = KnownNotificationKind | (string & {})

/** How each kind is named in messages. */
export const KIND_LABELS: Readonly<Record<KnownNotificationKind, string>> = {
  'clock-warning': '时限预警',
  'clock-breach': '超时督办',
  'clock-leader': '待领导审签',
  'urgent-post': '紧急诉求',
  'sign-request': '待审签',
  rejected: '答复被退回',
  published: '答复已发布',
  'publish-refused': '答复未能发布',
  assigned: '交办',
  'handed-back': '退单',
  'approve-characterisation': '定性待审定',
  reopened: '重新办理',
  approved: '答复已审签',
  'subtasks-done': '承办已办结',
  'signature-voided': '签名作废',
  merged: '案件合并',
  'clock-extended': '时限延长',
  dissatisfied: '群众不满意',
  hotspot: '舆情热点',
  digest: '提醒汇总',
}

export function kindLabel(kind: string): string {
  return (KIND_LABELS as Readonly<Record<string, string>>)[kind] ?? kind
}

/** The ticket a notification is about. */
export interface TicketRef {
  id: number | string
  /** The ticket's title (usually the citizen's own words: treated as untrusted). */
  title: string
  status: string
  /** Responsibility zone name, e.g. 兴建街道. */
  zone?: string
  /** Lead owner (zone or department) name. */
  lead?: string
  /** A link to the ticket (trusted: lianxin builds it). Only http(s) URLs are linked. */
  url?: string
}

export interface Notification {
  /** Idempotency key, e.g. `clock:12:reply:breach`: one message per key. */
  key: string
  kind: NotificationKind
  urgency: Urgency
  /** One-line summary, e.g. 一旬答复已超时 2 天. */
  title: string
  ticket?: TicketRef
  /** Facts, one per line. */
  lines: string[]
  /** What to do, with the exact lianxin command (in `backticks`, or everything from `lianxin ` on). */
  action: string
  /** Urgency cues that fired (e.g. 老人, 停暖). */
  cues?: string[]
  /** When it happened, ISO 8601. */
  at: string
  /** User names it is for. */
  recipients: string[]
  /** In a digest ({@link renderDigest}): the notifications it carries. */
  items?: Notification[]
}

/** A user as the renderers need them (a subset of a lianxin.yaml user). */
export interface Person {
  name: string
  displayName?: string
  phone?: string
}

export type People = ReadonlyArray<Person> | ReadonlyMap<string, Person>

export interface RenderOptions {
  /** Time zone of the times shown. @default Asia/Shanghai */
  timeZone?: string
  /** Users, for display names and (DingTalk) mobile numbers to @-mention. */
  people?: People
  /**
   * Per-user platform ids to @-mention: WeCom userid, DingTalk mobile or userId, Feishu
   * open_id. Users without an entry are named, not mentioned (DingTalk falls back to `phone`).
   */
  mentions?: Readonly<Record<string, string>>
}

/** Platform limits the renderers respect. */
export const LIMITS = {
  /** WeCom group bot: markdown.content at most 4096 bytes (errcode 40058 beyond). */
  wecomContentBytes: 4096,
  /** DingTalk custom bot: the whole request body at most 20000 bytes (errcode 460101 beyond). */
  dingtalkBodyBytes: 20_000,
  /** Feishu custom bot: the whole request body at most 20 KB (code 9499 beyond). */
  feishuBodyBytes: 20 * 1024,
} as const

/** The ideographic space between facts on one line. */
const GAP = '\u3000'

const URGENCY_RANK: Readonly<Record<string, number>> = Object.fromEntries(URGENCY_LEVELS.map((u, i) => [u, i]))

/** The more urgent of the levels given (一般 < 紧急 < 特急). */
export function maxUrgency(levels: Iterable<Urgency>): Urgency {
  let best: Urgency = '一般'
  for (const level of levels) if ((URGENCY_RANK[level] ?? 0) > (URGENCY_RANK[best] ?? 0)) best = level
  return best
}

/** Checks the shape of a notification; throws a TypeError naming the first problem (a bug in the caller). */
export function assertNotification(n: Notification): void {
  const problems: string[] = []
  if (typeof n.key !== 'string' || n.key.trim() === '') problems.push('key must be a non-empty string')
  if (typeof n.kind !== 'string' || n.kind === '') problems.push('kind must be a non-empty string')
  if (!(URGENCY_LEVELS as readonly string[]).includes(n.urgency)) problems.push(`urgency must be one of ${URGENCY_LEVELS.join(', ')}`)
  if (typeof n.title !== 'string') problems.push('title must be a string')
  if (!Array.isArray(n.lines)) problems.push('lines must be an array')
  if (typeof n.action !== 'string') problems.push('action must be a string')
  if (typeof n.at !== 'string' || Number.isNaN(Date.parse(n.at))) problems.push('at must be an ISO date-time')
  if (!Array.isArray(n.recipients)) problems.push('recipients must be an array of user names')
  if (problems.length > 0) throw new TypeError(`notification ${String(n.key)}: ${problems.join('; ')}`)
}

// ----- shared pieces ----------------------------------------------------------------------------

function peopleMap(people: People | undefined): ReadonlyMap<string, Person> {
  if (people === undefined) return new Map()
  if (people instanceof Map) return people
  return new Map((people as ReadonlyArray<Person>).map((p) => [p.name, p]))
}

const FORMATTERS = new Map<string, Intl.DateTimeFormat>()

/** One formatter per time zone: building one costs more than formatting. */
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let format = FORMATTERS.get(timeZone)
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
    FORMATTERS.set(timeZone, format)
  }
  return format
}

/** `2026-11-28 16:00` in the given zone. */
export function formatTime(iso: string, timeZone = 'Asia/Shanghai'): string {
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return iso
  const parts = formatterFor(timeZone).formatToParts(date)
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? ''
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}`
}

function displayNames(n: Notification, options: RenderOptions): string[] {
  const people = peopleMap(options.people)
  return n.recipients.map((name) => people.get(name)?.displayName ?? name)
}

/** The action split into prose and commands: `backtick` segments, else everything from `lianxin ` on. */
export function actionParts(action: string): Array<{ code: boolean; text: string }> {
  if (action.includes('`')) {
    return action
      .split('`')
      .map((text, i) => ({ code: i % 2 === 1, text }))
      .filter((p) => p.text.trim() !== '')
  }
  const at = action.search(/\blianxin\s/)
  if (at < 0) return action.trim() === '' ? [] : [{ code: false, text: action }]
  return [
    ...(at > 0 ? [{ code: false, text: action.slice(0, at) }] : []),
    { code: true, text: action.slice(at) },
  ]
}

/** The commands in an action (for digest lines). */
function actionCommands(action: string): string[] {
  return actionParts(action)
    .filter((p) => p.code)
    .map((p) => commandText(p.text))
}

function urgencyTag(urgency: Urgency): string {
  return `【${urgency}】`
}

function isHttpUrl(url: string | undefined): url is string {
  if (url === undefined) return false
  try {
    const parsed = new URL(url)
    return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && !/[\s()<>]/.test(url)
  } catch {
    return false
  }
}

// ----- markdown dialects ------------------------------------------------------------------------

type Tone = 'alert' | 'warn' | 'muted'

interface Dialect {
  /** Untrusted text made inert. */
  text(s: string, max?: number): string
  bold(s: string): string
  code(cmd: string): string
  color(s: string, tone: Tone): string
  link(label: string, url: string): string
  quote(s: string): string
  /** Line separator between blocks (DingTalk needs blank lines). */
  block: string
}

const wecomDialect: Dialect = {
  text: (s, max) => inertMarkdown(s, max),
  bold: (s) => `**${s}**`,
  code: (cmd) => `\`${commandText(cmd)}\``,
  // WeCom has three colours: info (green), comment (grey), warning (orange-red).
  color: (s, tone) => `<font color="${tone === 'muted' ? 'comment' : 'warning'}">${s}</font>`,
  link: (label, url) => `[${label}](${url})`,
  quote: (s) => `> ${s}`,
  block: '\n',
}

const dingtalkDialect: Dialect = {
  text: (s, max) => inertMarkdown(s, max),
  bold: (s) => `**${s}**`,
  // DingTalk markdown has no code spans: the command is shown as it is (lianxin writes it).
  code: (cmd) => commandText(cmd),
  color: (s) => s,
  link: (label, url) => `[${label}](${url})`,
  quote: (s) => `> ${s}`,
  block: '\n\n',
}

const feishuDialect: Dialect = {
  text: (s, max) => inertMarkdown(s, max),
  bold: (s) => `**${s}**`,
  code: (cmd) => `\`${commandText(cmd)}\``,
  color: (s, tone) => `<font color='${tone === 'muted' ? 'grey' : tone === 'warn' ? 'orange' : 'red'}'>${s}</font>`,
  link: (label, url) => `[${label}](${url})`,
  quote: (s) => s,
  block: '\n',
}

function urgencyTone(urgency: Urgency): Tone {
  return urgency === '特急' ? 'alert' : urgency === '紧急' ? 'warn' : 'muted'
}

function renderAction(action: string, d: Dialect): string {
  return actionParts(action)
    .map((p) => (p.code ? d.code(p.text) : d.text(p.text, 300)))
    .join(' ')
    .trim()
}

function ticketBlock(ticket: TicketRef, d: Dialect): string[] {
  const facts = [`状态：${d.text(ticket.status, 40)}`]
  if (ticket.zone !== undefined) facts.push(`责任区：${d.text(ticket.zone, 40)}`)
  if (ticket.lead !== undefined) facts.push(`牵头：${d.text(ticket.lead, 40)}`)
  const lines = [d.quote(`工单 ${d.bold(`#${d.text(String(ticket.id), 20)}`)}${GAP}${d.text(ticket.title, 80)}`), d.quote(facts.join(GAP))]
  if (isHttpUrl(ticket.url)) lines.push(d.quote(d.link('打开工单', ticket.url)))
  return lines
}

/** One line per notification carried by a digest. */
function digestItemLine(item: Notification, d: Dialect): string {
  const parts = [`${d.color(urgencyTag(item.urgency), urgencyTone(item.urgency))}${d.text(kindLabel(item.kind), 12)}`]
  if (item.ticket !== undefined) parts.push(`#${d.text(String(item.ticket.id), 20)} ${d.text(item.ticket.title, 30)}`)
  parts.push(d.text(item.title, 40))
  const commands = actionCommands(item.action)
  const first = commands[0]
  if (first !== undefined) parts.push(d.code(clip(first, 80)))
  return `- ${parts.join(' · ')}`
}

/** Counts by kind, most frequent first: 超时督办 2 · 时限预警 3. */
export function digestCounts(items: readonly Notification[]): string {
  const counts = new Map<string, number>()
  for (const item of items) counts.set(item.kind, (counts.get(item.kind) ?? 0) + 1)
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([kind, count]) => `${kindLabel(kind)} ${count}`)
    .join(' · ')
}

interface MarkdownParts {
  /** Heading line (already inert), without `#`. */
  heading: string
  /** Body lines (already inert). */
  body: string[]
  /** Mention markup appended at the end (platform syntax). */
  mentions: string
}

function markdownParts(n: Notification, d: Dialect, options: RenderOptions, mentionLine: string): MarkdownParts {
  const tz = options.timeZone ?? 'Asia/Shanghai'
  const heading = `${d.color(urgencyTag(n.urgency), urgencyTone(n.urgency))}${d.text(kindLabel(n.kind), 20)}：${d.text(n.title, 120)}`
  const body: string[] = []
  if (n.items !== undefined && n.items.length > 0) {
    body.push(d.bold(`共 ${n.items.length} 条`) + `：${d.text(digestCounts(n.items), 200)}`)
    body.push(n.items.map((item) => digestItemLine(item, d)).join('\n'))
  } else {
    if (n.ticket !== undefined) body.push(ticketBlock(n.ticket, d).join(d.block))
    if (n.lines.length > 0) body.push(n.lines.map((line) => `- ${d.text(line, 300)}`).join('\n'))
    if (n.cues !== undefined && n.cues.length > 0) body.push(`紧急信号：${d.color(n.cues.map((c) => d.text(c, 20)).join('、'), 'alert')}`)
  }
  const action = renderAction(n.action, d)
  if (action !== '') body.push(`${d.bold('请办理：')}${action}`)
  const names = displayNames(n, options)
  const footer = `${formatTime(n.at, tz)}${names.length > 0 ? ` · 致：${names.map((name) => d.text(name, 20)).join('、')}` : ''}`
  body.push(d.color(footer, 'muted'))
  return { heading, body, mentions: mentionLine }
}

const TRUNCATED_NOTE = '（内容过长，已截断；完整内容请在 lianxin 中查看）'

// ----- WeCom ------------------------------------------------------------------------------------

export interface WecomMarkdown {
  msgtype: 'markdown'
  markdown: { content: string }
}

function wecomMentions(n: Notification, options: RenderOptions): string {
  const ids = n.recipients.map((name) => options.mentions?.[name]).filter((id): id is string => id !== undefined && /^[\w.@-]+$/.test(id))
  // WeCom markdown mentions are written <@userid> in the content (mentioned_list is for text messages only).
  return ids.map((id) => `<@${id}>`).join(' ')
}

/** The WeCom markdown content, before any truncation. */
export function wecomContent(n: Notification, options: RenderOptions = {}): string {
  const parts = markdownParts(n, wecomDialect, options, wecomMentions(n, options))
  return [`### ${parts.heading}`, ...parts.body, ...(parts.mentions !== '' ? [parts.mentions] : [])].join('\n')
}

/** Whether the WeCom content fits 4096 bytes without truncation. */
export function wecomFits(n: Notification, options: RenderOptions = {}): boolean {
  return utf8Bytes(wecomContent(n, options)) <= LIMITS.wecomContentBytes
}

/** WeCom group bot markdown message; content cut to 4096 bytes with a note when longer. */
export function renderWecom(n: Notification, options: RenderOptions = {}): WecomMarkdown {
  const content = wecomContent(n, options)
  return { msgtype: 'markdown', markdown: { content: truncateBytes(content, LIMITS.wecomContentBytes, TRUNCATED_NOTE).text } }
}

// ----- DingTalk ---------------------------------------------------------------------------------

export interface DingtalkMarkdown {
  msgtype: 'markdown'
  markdown: { title: string; text: string }
  at: { atMobiles: string[]; atUserIds: string[]; isAtAll: false }
}

function dingtalkAt(n: Notification, options: RenderOptions): DingtalkMarkdown['at'] {
  const people = peopleMap(options.people)
  const atMobiles: string[] = []
  const atUserIds: string[] = []
  for (const name of n.recipients) {
    const id = options.mentions?.[name] ?? people.get(name)?.phone
    if (id === undefined) continue
    const mobile = id.replace(/[\s-]/g, '')
    if (/^\+?\d{6,15}$/.test(mobile)) atMobiles.push(mobile)
    else if (/^[\w.-]+$/.test(id)) atUserIds.push(id)
  }
  return { atMobiles, atUserIds, isAtAll: false }
}

function dingtalkText(n: Notification, options: RenderOptions, at: DingtalkMarkdown['at']): string {
  // DingTalk only highlights an @ that is also written in the text.
  const mentions = [...at.atMobiles, ...at.atUserIds].map((id) => `@${id}`).join(' ')
  const parts = markdownParts(n, dingtalkDialect, options, mentions)
  return [`### ${parts.heading}`, ...parts.body, ...(parts.mentions !== '' ? [parts.mentions] : [])].join('\n\n')
}

/** The title DingTalk shows in the conversation list and the push preview (inert like the rest). */
function plainTitle(n: Notification): string {
  return clip(`${urgencyTag(n.urgency)}${kindLabel(n.kind)}：${inertMarkdown(n.title, 60)}`, 64)
}

/** Whether the DingTalk message fits the body limit without truncation. */
export function dingtalkFits(n: Notification, options: RenderOptions = {}): boolean {
  const at = dingtalkAt(n, options)
  const out: DingtalkMarkdown = { msgtype: 'markdown', markdown: { title: plainTitle(n), text: dingtalkText(n, options, at) }, at }
  return utf8Bytes(JSON.stringify(out)) <= LIMITS.dingtalkBodyBytes
}

/** DingTalk custom bot markdown message, kept under the 20000-byte body limit. */
export function renderDingtalk(n: Notification, options: RenderOptions = {}): DingtalkMarkdown {
  const at = dingtalkAt(n, options)
  const full = dingtalkText(n, options, at)
  const message = (text: string): DingtalkMarkdown => ({ msgtype: 'markdown', markdown: { title: plainTitle(n), text }, at })
  let budget = LIMITS.dingtalkBodyBytes - 1000
  for (;;) {
    const out = message(truncateBytes(full, budget, TRUNCATED_NOTE).text)
    const excess = utf8Bytes(JSON.stringify(out)) - LIMITS.dingtalkBodyBytes
    if (excess <= 0 || budget < 1000) return out
    budget -= excess + 100
  }
}

// ----- Feishu -----------------------------------------------------------------------------------

export interface FeishuCard {
  msg_type: 'interactive'
  card: {
    config: { wide_screen_mode: true }
    header: { template: string; title: { tag: 'plain_text'; content: string } }
    elements: Array<{ tag: 'markdown'; content: string } | { tag: 'hr' }>
  }
}

function feishuMentions(n: Notification, options: RenderOptions): string {
  const ids = n.recipients.map((name) => options.mentions?.[name]).filter((id): id is string => id !== undefined && /^[\w.-]+$/.test(id))
  return ids.map((id) => `<at id=${id}></at>`).join(' ')
}

function feishuTemplate(n: Notification): string {
  if (n.urgency === '特急' || n.kind === 'clock-breach') return 'red'
  if (n.urgency === '紧急' || n.kind === 'clock-warning' || n.kind === 'dissatisfied') return 'orange'
  return 'blue'
}

/** The markdown of the Feishu card body, before any truncation. */
export function feishuContent(n: Notification, options: RenderOptions = {}): string {
  const parts = markdownParts(n, feishuDialect, options, feishuMentions(n, options))
  return [...parts.body, ...(parts.mentions !== '' ? [parts.mentions] : [])].join('\n')
}

/** Whether the Feishu card fits the body limit without truncation. */
export function feishuFits(n: Notification, options: RenderOptions = {}): boolean {
  return utf8Bytes(JSON.stringify(feishuCard(n, feishuContent(n, options)))) + FEISHU_SIGN_ROOM <= LIMITS.feishuBodyBytes
}

/** Room left in the body for the `timestamp` and `sign` fields the channel adds. */
const FEISHU_SIGN_ROOM = 200

function feishuCard(n: Notification, content: string): FeishuCard {
  // plain_text is not parsed, but the header is made inert all the same.
  const header = clip(`${urgencyTag(n.urgency)}${kindLabel(n.kind)}：${inertMarkdown(n.title, 80)}`, 100)
  return {
    msg_type: 'interactive',
    card: {
      config: { wide_screen_mode: true },
      header: { template: feishuTemplate(n), title: { tag: 'plain_text', content: header } },
      elements: [{ tag: 'markdown', content }],
    },
  }
}

/**
 * Feishu custom bot interactive card: a coloured header (red 特急 or breach, orange 紧急 or
 * warning, blue otherwise) and one markdown element, kept under the 20 KB body limit.
 * (`signFeishu` in the channel adds `timestamp` and `sign`.)
 */
export function renderFeishu(n: Notification, options: RenderOptions = {}): FeishuCard {
  const full = feishuContent(n, options)
  let budget = LIMITS.feishuBodyBytes - 1500
  for (;;) {
    const out = feishuCard(n, truncateBytes(full, budget, TRUNCATED_NOTE).text)
    const excess = utf8Bytes(JSON.stringify(out)) + FEISHU_SIGN_ROOM - LIMITS.feishuBodyBytes
    if (excess <= 0 || budget < 1000) return out
    budget -= excess + 100
  }
}

// ----- plain text, generic webhook, email -------------------------------------------------------

/** The notification as plain text (email body, the webhook's `text`): untrusted parts one-lined and defanged. */
export function renderText(n: Notification, options: RenderOptions = {}): string {
  const tz = options.timeZone ?? 'Asia/Shanghai'
  const out = [`${urgencyTag(n.urgency)}${kindLabel(n.kind)}：${inertPlain(n.title, 200)}`, '']
  if (n.items !== undefined && n.items.length > 0) {
    out.push(`共 ${n.items.length} 条：${digestCounts(n.items)}`)
    for (const item of n.items) {
      const ticket = item.ticket !== undefined ? ` #${inertPlain(String(item.ticket.id), 20)} ${inertPlain(item.ticket.title, 40)}` : ''
      const command = actionCommands(item.action)[0]
      out.push(`- ${urgencyTag(item.urgency)}${kindLabel(item.kind)}${ticket} · ${inertPlain(item.title, 80)}${command !== undefined ? ` · ${command}` : ''}`)
    }
  } else {
    if (n.ticket !== undefined) {
      const t = n.ticket
      out.push(`工单 #${inertPlain(String(t.id), 20)} ${inertPlain(t.title, 120)}`)
      out.push([`状态：${inertPlain(t.status, 40)}`, t.zone !== undefined ? `责任区：${inertPlain(t.zone, 40)}` : '', t.lead !== undefined ? `牵头：${inertPlain(t.lead, 40)}` : ''].filter(Boolean).join(GAP))
      if (isHttpUrl(t.url)) out.push(t.url)
    }
    for (const line of n.lines) out.push(`- ${inertPlain(line, 500)}`)
    if (n.cues !== undefined && n.cues.length > 0) out.push(`紧急信号：${n.cues.map((c) => inertPlain(c, 20)).join('、')}`)
  }
  const action = actionParts(n.action)
    .map((p) => (p.code ? commandText(p.text) : inertPlain(p.text, 300)))
    .join(' ')
    .trim()
  if (action !== '') out.push('', `请办理：${action}`)
  const names = displayNames(n, options)
  out.push('', `${formatTime(n.at, tz)}${names.length > 0 ? ` · 致：${names.join('、')}` : ''}`)
  return out.join('\n')
}

/** The generic webhook's JSON body (version 1). Fields are the raw values; `text` is a safe rendering. */
export interface WebhookPayload {
  type: 'lianxin.notification'
  version: 1
  key: string
  kind: string
  kindLabel: string
  urgency: Urgency
  title: string
  ticket?: TicketRef
  lines: string[]
  action: string
  cues: string[]
  at: string
  recipients: Array<{ name: string; displayName: string }>
  /** The whole message as plain text, untrusted parts one-lined and defanged. */
  text: string
  /** Digest only: the notifications merged into this delivery. */
  items?: WebhookPayload[]
}

export function renderWebhook(n: Notification, options: RenderOptions = {}): WebhookPayload {
  const people = peopleMap(options.people)
  return {
    type: 'lianxin.notification',
    version: 1,
    key: n.key,
    kind: n.kind,
    kindLabel: kindLabel(n.kind),
    urgency: n.urgency,
    title: n.title,
    ...(n.ticket !== undefined ? { ticket: n.ticket } : {}),
    lines: n.lines,
    action: n.action,
    cues: n.cues ?? [],
    at: n.at,
    recipients: n.recipients.map((name) => ({ name, displayName: people.get(name)?.displayName ?? name })),
    text: renderText(n, options),
    ...(n.items !== undefined ? { items: n.items.map((item) => renderWebhook(item, options)) } : {}),
  }
}

export interface EmailContent {
  subject: string
  text: string
  html: string
}

/** Subject, plain text and a simple HTML version (everything escaped; only the ticket link is a link). */
export function renderEmail(n: Notification, options: RenderOptions = {}): EmailContent {
  const tz = options.timeZone ?? 'Asia/Shanghai'
  const ticket = n.ticket !== undefined && n.items === undefined ? ` #${oneLine(String(n.ticket.id))}` : ''
  const subject = clip(`[lianxin]${urgencyTag(n.urgency)}${kindLabel(n.kind)}${ticket}：${inertPlain(n.title, 120)}`, 150)
  const h = (s: string, max = 500) => escapeHtml(inertPlain(s, max))
  const html: string[] = [`<h3>${escapeHtml(urgencyTag(n.urgency))}${escapeHtml(kindLabel(n.kind))}：${h(n.title, 200)}</h3>`]
  if (n.items !== undefined && n.items.length > 0) {
    html.push(`<p><strong>共 ${n.items.length} 条</strong>：${escapeHtml(digestCounts(n.items))}</p>`, '<ul>')
    for (const item of n.items) {
      const t = item.ticket !== undefined ? ` #${h(String(item.ticket.id), 20)} ${h(item.ticket.title, 40)}` : ''
      const command = actionCommands(item.action)[0]
      html.push(`<li>${escapeHtml(urgencyTag(item.urgency) + kindLabel(item.kind))}${t} · ${h(item.title, 80)}${command !== undefined ? ` · <code>${escapeHtml(command)}</code>` : ''}</li>`)
    }
    html.push('</ul>')
  } else {
    if (n.ticket !== undefined) {
      const t = n.ticket
      const facts = [`状态：${h(t.status, 40)}`, t.zone !== undefined ? `责任区：${h(t.zone, 40)}` : '', t.lead !== undefined ? `牵头：${h(t.lead, 40)}` : ''].filter(Boolean).join(GAP)
      const link = isHttpUrl(t.url) ? `<br><a href="${escapeHtml(t.url)}">打开工单</a>` : ''
      html.push(`<p>工单 <strong>#${h(String(t.id), 20)}</strong> ${h(t.title, 120)}<br>${facts}${link}</p>`)
    }
    if (n.lines.length > 0) html.push('<ul>', ...n.lines.map((line) => `<li>${h(line)}</li>`), '</ul>')
    if (n.cues !== undefined && n.cues.length > 0) html.push(`<p>紧急信号：<strong>${n.cues.map((c) => h(c, 20)).join('、')}</strong></p>`)
  }
  const action = actionParts(n.action)
    .map((p) => (p.code ? `<code>${escapeHtml(commandText(p.text))}</code>` : h(p.text, 300)))
    .join(' ')
    .trim()
  if (action !== '') html.push(`<p><strong>请办理：</strong>${action}</p>`)
  const names = displayNames(n, options)
  html.push(`<p style="color:#888">${escapeHtml(formatTime(n.at, tz))}${names.length > 0 ? ` · 致：${names.map((x) => escapeHtml(x)).join('、')}` : ''}</p>`)
  return {
    subject,
    text: renderText(n, options),
    html: `<!doctype html><html><head><meta charset="utf-8"></head><body>${html.join('\n')}</body></html>`,
  }
}

// ----- digest -----------------------------------------------------------------------------------

/** The key of a digest of these keys: stable, so a retried digest keeps its idempotency key. */
export function digestKey(keys: readonly string[]): string {
  return `digest:${createHash('sha256').update(keys.join('\n')).digest('hex').slice(0, 16)}`
}

/** The notifications a message carries: its items for a digest, else itself. */
export function carried(n: Notification): Notification[] {
  return n.items !== undefined && n.items.length > 0 ? n.items : [n]
}

/**
 * Several notifications merged into one message (kind `digest`): counts by kind and one line
 * per notification, the highest urgency, every recipient, and the latest time. Digests given
 * are flattened, so every original notification appears exactly once in `items`.
 */
export function renderDigest(notifications: readonly Notification[], options: { at?: string } = {}): Notification {
  const items = notifications.flatMap(carried)
  if (items.length === 0) throw new TypeError('renderDigest needs at least one notification')
  const latest = items.reduce((a, b) => (Date.parse(b.at) > Date.parse(a.at) ? b : a))
  const recipients = [...new Set(items.flatMap((i) => i.recipients))]
  return {
    key: digestKey(items.map((i) => i.key)),
    kind: 'digest',
    urgency: maxUrgency(items.map((i) => i.urgency)),
    title: `${items.length} 条提醒`,
    lines: [digestCounts(items)],
    action: '',
    at: options.at ?? latest.at,
    recipients,
    items,
  }
}
