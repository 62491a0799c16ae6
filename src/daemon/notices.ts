/**
 * What the daemon tells whom: notifications built from the workflow's `notify` effects (clock
 * alerts by tier, 分层督办) and from 特急 posts, with their recipients resolved from the people
 * in office. Enqueued into the outbox in the transaction that records their cause, so a crash
 * never loses one and a key is never queued twice.
 */
import type { LianxinConfig } from '../config/schema.js'
import type { Notification } from '../notify/message.js'
import { wantsKind } from '../notify/notifier.js'
import type { PublishAttempt } from '../replies/attempts.js'
import type { Hotspot } from '../triage/hotspots.js'
import type { Session } from '../store/session.js'
import type { ClockName } from '../config/sections/operations.js'
import { durationMs } from '../tickets/clocks/clock.js'
import { formatLocal } from '../tickets/clocks/index.js'
import type { CaseContext } from '../tickets/service.js'
import type { StoredEvent } from '../store/events.js'
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

/** The case as a notification names it. */
function ticketRef(config: LianxinConfig, state: TicketState): NonNullable<Notification['ticket']> {
  return { id: state.id, title: state.title ?? `#${state.id}`, status: state.status, ...(state.lead !== undefined ? { lead: unitName(config, state.lead) } : {}) }
}

/** 牵头 X，协办 Y、Z: who holds the case. */
function unitsLine(config: LianxinConfig, state: TicketState): string {
  return `牵头 ${unitName(config, state.lead ?? null)}${state.assist.length > 0 ? `，协办 ${state.assist.map((a) => unitName(config, a)).join('、')}` : ''}`
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
    unitsLine(config, state),
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
      ticket: ticketRef(config, state),
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
  const ticket = ticketRef(config, state)
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

/** How the effects of a recorded action become notifications (those not pushed by another path). */
interface EffectNotice {
  readonly kind: string
  /** Sent at once, else in the next digest. */
  readonly urgent: boolean
  readonly title: (state: TicketState, detail: string | undefined) => string
  readonly action: (state: TicketState) => string
}

/**
 * The workflow's `notify` effects pushed when they happen, by `about`. Left out on purpose, because
 * another path pushes them once: sign requests, rejected replies and low grades (read from the
 * cases' state, {@link workflowNotices}), clock alerts ({@link clockNotice}), and `accept`/`assign`
 * for staff (every new case: the inbox lists them and the one-hour clock warns).
 */
const EFFECT_NOTICES: Readonly<Record<string, EffectNotice>> = {
  lead: { kind: 'assigned', urgent: true, title: () => '交办：请牵头办理', action: (s) => `lianxin tickets show ${s.id}` },
  assist: { kind: 'assigned', urgent: true, title: () => '交办：请协助办理', action: (s) => `lianxin tickets show ${s.id}` },
  'handed-back': { kind: 'handed-back', urgent: true, title: (_s, d) => `退单：${d ?? ''}`, action: (s) => `lianxin tickets assign ${s.id}` },
  'approve-characterisation': { kind: 'approve-characterisation', urgent: true, title: () => '定性为无理诉求，待您审定', action: (s) => `lianxin tickets characterise ${s.id} --approve` },
  reopened: { kind: 'reopened', urgent: true, title: (_s, d) => `重新办理：${d ?? ''}`, action: (s) => `lianxin tickets show ${s.id}` },
  'characterise-again': { kind: 'reopened', urgent: true, title: (_s, d) => `定性未获批准，请重新定性：${d ?? ''}`, action: (s) => `lianxin tickets characterise ${s.id}` },
  publish: { kind: 'approved', urgent: true, title: (_s, d) => `答复已审签，待发布：${d ?? ''}`, action: (s) => `lianxin replies publish ${s.id}` },
  'subtasks-done': { kind: 'subtasks-done', urgent: false, title: () => '各承办单位已办结，待定性', action: (s) => `lianxin tickets characterise ${s.id}` },
  'signature-voided': { kind: 'signature-voided', urgent: false, title: (_s, d) => `您的签名已作废：${d ?? ''}`, action: (s) => `lianxin replies show ${s.id}` },
  merged: { kind: 'merged', urgent: false, title: (_s, d) => `已合并 ${d ?? ''}`, action: (s) => `lianxin tickets show ${s.id}` },
  'clock-extended': { kind: 'clock-extended', urgent: false, title: (_s, d) => `时限已延长（${d ?? ''}）`, action: (s) => `lianxin tickets show ${s.id}` },
}

/**
 * What a recorded action's effects ask to push (see {@link EFFECT_NOTICES}), one notice per kind
 * of effect, keyed by the event: a published reply goes to the lead unit's handlers (答复已发布).
 */
export function effectNotices(config: LianxinConfig, people: readonly Person[], policy: WorkflowPolicy, state: TicketState, event: StoredEvent, effects: readonly Effect[]): Notice[] {
  const ticket = ticketRef(config, state)
  const urgency: Notification['urgency'] = state.urgency === '特急' || state.urgency === '紧急' ? state.urgency : '一般'
  const unit = unitsLine(config, state)
  const groups = new Map<string, { spec: EffectNotice; detail: string | undefined; recipients: Set<string> }>()
  for (const effect of effects) {
    let about: string
    let recipients: string[]
    let detail: string | undefined
    if (effect.kind === 'notify') {
      about = effect.about
      recipients = resolveTarget(effect.to, people, policy)
      detail = effect.detail
    } else if (effect.kind === 'publish' && state.lead !== undefined) {
      about = 'published'
      recipients = resolveTarget({ owner: state.lead }, people, policy)
      detail = effect.channel
    } else continue
    const spec = about === 'published' ? PUBLISHED : EFFECT_NOTICES[about]
    if (!spec || recipients.length === 0) continue
    const group = groups.get(about) ?? { spec, detail, recipients: new Set<string>() }
    for (const r of recipients) group.recipients.add(r)
    groups.set(about, group)
  }
  return [...groups].map(([about, { spec, detail, recipients }]) => ({
    urgent: spec.urgent,
    ticketId: state.id,
    notification: {
      key: `${about}:${state.id}:e${event.seq}`,
      kind: spec.kind,
      urgency,
      title: spec.title(state, detail),
      ticket,
      lines: [unit, `状态 ${state.status}`],
      action: spec.action(state),
      at: event.at,
      recipients: [...recipients],
    },
  }))
}

const PUBLISHED: EffectNotice = { kind: 'published', urgent: false, title: (_s, d) => `答复已发布（${d ?? ''}）`, action: (s) => `lianxin tickets show ${s.id}` }

/** The next digest boundary strictly after `now` (on the hour for `notify.digestEvery: 1h`). */
export function digestAfter(config: LianxinConfig, now: Date): Date {
  const every = durationMs(config.notify.digestEvery)
  return new Date((Math.floor(now.getTime() / every) + 1) * every)
}

/** `ctx` with every recorded action queueing the notifications its effects ask for, in the same transaction. */
export function withEffectNotices(ctx: CaseContext, config: LianxinConfig): CaseContext {
  if (!config.notify.channels.some((c) => c.enabled)) return ctx
  return {
    ...ctx,
    onActed: async (tx, state, event, effects) => {
      for (const notice of effectNotices(config, ctx.people, ctx.policy, state, event, effects)) await enqueue(tx, config, notice, digestAfter(config, tx.now()))
    },
  }
}

/**
 * A reply the channel refused with nothing delivered (the daemon stops trying it): to its author,
 * or the bureau's staff, once per attempt.
 */
export function publishRefusedNotice(config: LianxinConfig, people: readonly Person[], policy: WorkflowPolicy, state: TicketState, attempt: PublishAttempt & { refused: NonNullable<PublishAttempt['refused']> }, at: string): Notice {
  const version = state.draft?.version ?? 0
  const author = state.draft?.author
  const recipients = author !== undefined && people.some((p) => p.name === author) ? [author] : resolveTarget({ role: 'staff' }, people, policy)
  return {
    urgent: true,
    ticketId: state.id,
    notification: {
      key: `publish-refused:${state.id}:v${version}:${attempt.channel}:a${attempt.attempt}`,
      kind: 'publish-refused',
      urgency: '紧急',
      title: `答复 v${version} 未能发布（${attempt.channel}）`,
      ticket: ticketRef(config, state),
      lines: [`${attempt.refused.code}：${attempt.refused.reason}`, '未送达：可改正后重新发布，或重新拟稿送审'],
      action: `lianxin replies publish ${state.id} --channel ${attempt.channel}`,
      at,
      recipients,
    },
  }
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
