/**
 * What the daemon tells whom: notifications built from the workflow's `notify` effects (clock
 * alerts by tier, 分层督办) and from 特急 posts, with their recipients resolved from the people
 * in office. Enqueued into the outbox in the transaction that records their cause, so a crash
 * never loses one and a key is never queued twice.
 */
import type { LianxinConfig } from '../config/schema.js'
import type { Notification } from '../notify/message.js'
import { wantsKind } from '../notify/notifier.js'
import type { Hotspot } from '../triage/hotspots.js'
import type { Session } from '../store/session.js'
import type { ClockName } from '../config/sections/operations.js'
import { formatLocal } from '../tickets/clocks/index.js'
import { unitName } from '../tickets/render.js'
import { maySign, satisfied, type Effect, type NotifyTarget, type Person, type TicketState, type WorkflowPolicy } from '../tickets/workflow/index.js'

const CLOCK_LABEL: Record<ClockName, string> = { accept: '一时接访', assign: '一日交办', characterise: '一周定性', reply: '一旬答复', close: '一月办结' }

/** The user names a notify target stands for, among the people in office. */
export function resolveTarget(target: NotifyTarget, people: readonly Person[], policy: WorkflowPolicy): string[] {
  if ('user' in target) return people.some((p) => p.name === target.user) ? [target.user] : []
  if ('role' in target) {
    const role = target.role
    if (role === 'bureau-head' || role === 'supervising-leader') return people.filter((p) => maySign(policy, people, p.name, role)).map((p) => p.name)
    return people.filter((p) => p.roles.includes(role)).map((p) => p.name)
  }
  // A unit: its handlers; the bureau's staff when it has none, so nothing falls on the floor.
  const handlers = people.filter((p) => (p.zone === target.owner || p.department === target.owner) && p.roles.includes('handler')).map((p) => p.name)
  return handlers.length > 0 ? handlers : people.filter((p) => p.roles.includes('staff')).map((p) => p.name)
}

/** The tier of a clock alert: warnings can wait for a digest, the rest go out at once. */
function alertKind(level: string): { kind: string; urgency: Notification['urgency']; urgent: boolean; title: (clock: string) => string } {
  switch (level) {
    case 'warning':
      return { kind: 'clock-warning', urgency: '一般', urgent: false, title: (c) => `${c} 时限将到` }
    case 'breach':
      return { kind: 'clock-breach', urgency: '紧急', urgent: true, title: (c) => `${c} 已超时` }
    case 'escalate':
      return { kind: 'clock-breach', urgency: '特急', urgent: true, title: (c) => `${c} 超时未办，报区主管领导督办` }
    default:
      return { kind: 'clock-leader', urgency: '紧急', urgent: true, title: () => '答复待您审签' }
  }
}

/** A notification and whether it goes out at once (else it waits for the digest). */
export interface Notice {
  readonly notification: Notification
  readonly urgent: boolean
  readonly ticketId: number | null
}

/** The notification of one recorded clock alert, to everyone its effects name. */
export function clockNotice(
  config: LianxinConfig,
  people: readonly Person[],
  policy: WorkflowPolicy,
  state: TicketState,
  alert: { key: string; clock: ClockName; level: string; at: string },
  effects: readonly Effect[],
): Notice | undefined {
  const recipients = [...new Set(effects.flatMap((e) => (e.kind === 'notify' ? resolveTarget(e.to, people, policy) : [])))]
  if (recipients.length === 0) return undefined
  const tier = alertKind(alert.level)
  const record = state.clocks[alert.clock]
  const tz = config.district.timezone
  const lines = [
    `时限 ${CLOCK_LABEL[alert.clock]}，自 ${formatLocal(Date.parse(record.startedAt), tz).slice(0, 16)} 起算`,
    `牵头 ${unitName(config, state.lead ?? null)}${state.assist.length > 0 ? `，协办 ${state.assist.map((a) => unitName(config, a)).join('、')}` : ''}`,
    `状态 ${state.status}`,
  ]
  return {
    urgent: tier.urgent,
    ticketId: state.id,
    notification: {
      key: alert.key,
      kind: tier.kind,
      urgency: tier.urgency,
      title: tier.title(CLOCK_LABEL[alert.clock]),
      ticket: { id: state.id, title: state.title ?? `#${state.id}`, status: state.status, ...(state.lead !== undefined ? { lead: unitName(config, state.lead) } : {}) },
      lines,
      action: alert.level === 'leader' ? `lianxin replies approve ${state.id}` : `lianxin tickets show ${state.id}`,
      at: alert.at,
      recipients,
    },
  }
}

/**
 * What a case's state asks people to do now, pushed once per key: a reply waiting for a
 * signature (to the bureau heads, then the supervising leaders; never to its author), a reply
 * sent back (to its author), a dissatisfied citizen (to the bureau heads). Derived from the state,
 * so a daemon that missed the moment (stopped, or started later) still sends each one once.
 */
export function workflowNotices(config: LianxinConfig, people: readonly Person[], policy: WorkflowPolicy, state: TicketState, at: string): Notice[] {
  const ticket = { id: state.id, title: state.title ?? `#${state.id}`, status: state.status, ...(state.lead !== undefined ? { lead: unitName(config, state.lead) } : {}) }
  const author = state.draft?.author
  const version = state.draft?.version
  const notice = (key: string, kind: string, urgency: Notification['urgency'], title: string, lines: string[], action: string, recipients: string[]): Notice | undefined =>
    recipients.length === 0 ? undefined : { urgent: true, ticketId: state.id, notification: { key, kind, urgency, title, ticket, lines, action, at, recipients } }
  const signers = (role: 'bureau-head' | 'supervising-leader') => resolveTarget({ role }, people, policy).filter((name) => name !== author)
  const out: Array<Notice | undefined> = []
  const unit = `牵头 ${unitName(config, state.lead ?? null)}`
  if (state.status === 'awaiting-bureau-head' && version !== undefined) {
    out.push(notice(`sign:${state.id}:v${version}:bureau-head`, 'sign-request', '紧急', `答复 v${version} 待您审签（局主要领导）`, [`拟稿 ${author ?? '?'}`, unit], `lianxin replies approve ${state.id}`, signers('bureau-head')))
  }
  if (state.status === 'awaiting-leader' && version !== undefined) {
    out.push(notice(`sign:${state.id}:v${version}:leader`, 'sign-request', '紧急', `答复 v${version} 待您审签（区主管领导）`, [`拟稿 ${author ?? '?'}，局主要领导已签`, unit], `lianxin replies approve ${state.id}`, signers('supervising-leader')))
  }
  const last = state.decisions.at(-1)
  if (state.status === 'drafting' && last?.decision === 'rejected' && author !== undefined && last.version === version) {
    out.push(notice(`rejected:${state.id}:v${last.version}`, 'rejected', '一般', `答复 v${last.version} 被退回`, [`退回 ${last.by}：${last.reason ?? ''}`], `lianxin replies draft ${state.id} --file reply.txt --submit`, people.some((p) => p.name === author) ? [author] : []))
  }
  state.ratings.forEach((rating, index) => {
    const grade = rating.grade
    if (satisfied(grade) !== false) return
    out.push(notice(`dissatisfied:${state.id}:${index}`, 'dissatisfied', '紧急', `群众评价：${String(grade)}`, [`来源 ${rating.source}${rating.comment ? `：${rating.comment}` : ''}`], `lianxin tickets reopen ${state.id} --reason …`, resolveTarget({ role: 'bureau-head' }, people, policy)))
  })
  return out.filter((n): n is Notice => n !== undefined)
}

/**
 * The day's hotspot briefing (舆情热点, 分类推送): the top clusters to the bureau heads and the
 * supervising leaders, and to each department that leads a hotspot's topic, its own ones.
 * Keyed by the local date, so each goes out once a day.
 */
export function hotspotNotices(config: LianxinConfig, people: readonly Person[], policy: WorkflowPolicy, hotspots: readonly Hotspot[], date: string, at: string): Notice[] {
  if (hotspots.length === 0) return []
  const days = config.notify.hotspots?.days ?? 7
  const line = (h: Hotspot, i: number) =>
    `${i + 1}. ${h.topic ?? '未分类'} · ${unitName(config, h.place.zoneId)}${h.place.community ? ` ${h.place.community}` : ''}：${h.postCount} 条（前 ${days} 天 ${h.previousCount} 条）${h.urgent > 0 ? `，紧急 ${h.urgent}` : ''} — ${h.titles[0] ?? ''}`
  const notice = (key: string, hs: readonly Hotspot[], recipients: string[], audience: string): Notice | undefined =>
    recipients.length === 0
      ? undefined
      : {
          urgent: true,
          ticketId: null,
          notification: {
            key,
            kind: 'hotspot',
            urgency: hs.some((h) => h.urgent > 0) ? '紧急' : '一般',
            title: `${date} 舆情热点 ${hs.length} 个${audience}`,
            lines: hs.map(line),
            action: `lianxin hotspots --days ${days}`,
            at,
            recipients,
          },
        }
  const leaders = [...new Set([...resolveTarget({ role: 'bureau-head' }, people, policy), ...resolveTarget({ role: 'supervising-leader' }, people, policy)])]
  const out = [notice(`hotspots:${date}`, hotspots, leaders, '')]
  for (const dept of config.departments) {
    const mine = hotspots.filter((h) => h.topic !== null && dept.leads.includes(h.topic))
    const handlers = people.filter((p) => p.department === dept.id && p.roles.includes('handler')).map((p) => p.name)
    out.push(notice(`hotspots:${date}:${dept.id}`, mine, handlers, `（${dept.short ?? dept.name}牵头）`))
  }
  return out.filter((n): n is Notice => n !== undefined)
}

/** The notification of a 特急 post, with the cues that fired, to the people the config names. */
export function urgentPostNotice(
  config: LianxinConfig,
  people: readonly Person[],
  policy: WorkflowPolicy,
  post: { id: number; version: number; title: string; sourceId: string; url: string | null; cues: string[]; ticketId: number | null; zone: string | null; lead: string | null; at: string },
): Notice | undefined {
  const named = config.notify.urgentTo ?? []
  const recipients = named.length > 0 ? named.filter((n) => people.some((p) => p.name === n)) : [...resolveTarget({ role: 'bureau-head' }, people, policy), ...resolveTarget({ role: 'supervising-leader' }, people, policy)]
  if (recipients.length === 0) return undefined
  return {
    urgent: true,
    ticketId: post.ticketId,
    notification: {
      key: `urgent:post:${post.id}:v${post.version}`,
      kind: 'urgent-post',
      urgency: '特急',
      title: `特急：${post.title}`,
      ...(post.ticketId !== null ? { ticket: { id: post.ticketId, title: post.title, status: 'received', ...(post.lead ? { lead: unitName(config, post.lead) } : {}) } } : {}),
      lines: [`来源 ${post.sourceId}${post.url ? ` ${post.url}` : ''}`, `地点 ${unitName(config, post.zone)}`],
      cues: post.cues,
      action: post.ticketId !== null ? `lianxin tickets accept ${post.ticketId}` : `lianxin hotspots`,
      at: post.at,
      recipients,
    },
  }
}

/**
 * Queues a notice for every enabled channel that takes its kind and one of its recipients, once
 * per (key, channel). Non-urgent notices wait until `digestAt`.
 *
 * @returns rows queued (0 when all were queued before).
 */
export async function enqueue(session: Session, config: LianxinConfig, notice: Notice, digestAt: Date): Promise<number> {
  const now = session.now()
  let queued = 0
  for (const channel of config.notify.channels) {
    if (!channel.enabled) continue
    if (!wantsKind(channel, notice.notification.kind)) continue
    const to = channel.to ?? []
    const recipients = to.length === 0 ? notice.notification.recipients : notice.notification.recipients.filter((r) => to.includes(r))
    if (recipients.length === 0) continue
    const result = await session.db
      .insertInto('outbox')
      .values({
        key: `${notice.notification.key}@${channel.id}`,
        notification: notice.notification.key,
        channel: channel.id,
        ticket_id: notice.ticketId,
        urgent: notice.urgent ? 1 : 0,
        payload: JSON.stringify({ ...notice.notification, recipients }),
        status: 'pending',
        attempts: 0,
        created_at: now.toISOString(),
        not_before: (notice.urgent ? now : digestAt).toISOString(),
        claimed_by: null,
        claimed_until: null,
        sent_at: null,
        last_error: null,
      })
      .onConflict((oc) => oc.column('key').doNothing())
      .executeTakeFirst()
    queued += Number(result.numInsertedOrUpdatedRows ?? 0n)
  }
  return queued
}
