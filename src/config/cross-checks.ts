/**
 * Checks that span several sections of lianxin.yaml (ids that must exist, be unique, carry
 * the right role). They run even when some field has the wrong type, so one `config check`
 * lists every problem; that is why they read the document defensively instead of trusting
 * the parsed types.
 */
import type { z } from 'zod'
import { parseDuration, durationProblem } from './duration.js'
import { httpUrl, smtpUrl } from './fields.js'
import { CLOCK_NAMES, URL_SOURCE_KINDS } from './sections/operations.js'
import { PUBLISH_KEYS, PUBLISH_KINDS, type PublishKind } from './sections/publishing.js'

type Path = (string | number)[]
type Rec = Record<string, unknown>
type Ctx = Pick<z.RefinementCtx, 'addIssue'>

const isRec = (value: unknown): value is Rec => typeof value === 'object' && value !== null && !Array.isArray(value)
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : [])
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined)
const rec = (value: unknown): Rec => (isRec(value) ? value : {})

function issue(ctx: Ctx, path: Path, message: string, params?: Rec): void {
  ctx.addIssue({ code: 'custom', path, message, ...(params === undefined ? {} : { params }) })
}

/** Reports duplicates of `items[i][key]`; returns the first path of each value. */
function uniqueBy(ctx: Ctx, items: unknown[], base: Path, key: string, what: string): Map<string, Path> {
  const seen = new Map<string, Path>()
  items.forEach((item, index) => {
    const value = str(rec(item)[key])
    if (value === undefined) return
    const first = seen.get(value)
    if (first === undefined) seen.set(value, [...base, index, key])
    else issue(ctx, [...base, index, key], `duplicate ${what} "${value}"`, { firstPath: first })
  })
  return seen
}

const known = (names: Iterable<string>): string => {
  const all = [...names]
  return all.length === 0 ? 'none are defined' : `known: ${all.slice(0, 12).join(', ')}${all.length > 12 ? ', …' : ''}`
}

function checkOrganisation(ctx: Ctx, doc: Rec): void {
  const topics = uniqueBy(ctx, list(doc.topics), ['topics'], 'name', 'topic name')
  const zones = uniqueBy(ctx, list(doc.zones), ['zones'], 'id', 'zone id')
  const departments = uniqueBy(ctx, list(doc.departments), ['departments'], 'id', 'department id')
  const users = uniqueBy(ctx, list(doc.users), ['users'], 'name', 'user name')
  const fallbackId = str(rec(doc.fallback).id)

  // Zones, departments and the fallback are all routing owners, so they share one id space.
  for (const [id, path] of departments) {
    const zonePath = zones.get(id)
    if (zonePath !== undefined) issue(ctx, path, `department id "${id}" is already a zone id; zones, departments and the fallback need distinct ids`, { firstPath: zonePath })
  }
  if (fallbackId !== undefined && (zones.has(fallbackId) || departments.has(fallbackId))) {
    issue(ctx, ['fallback', 'id'], `fallback id "${fallbackId}" is already used by a zone or department`, { firstPath: zones.get(fallbackId) ?? departments.get(fallbackId) })
  }

  const topicRef = (value: unknown, path: Path) => {
    const name = str(value)
    if (name !== undefined && !topics.has(name)) issue(ctx, path, `unknown topic "${name}" (${known(topics.keys())})`)
  }
  const zoneRef = (value: unknown, path: Path) => {
    const zoneId = str(value)
    if (zoneId !== undefined && !zones.has(zoneId)) issue(ctx, path, `unknown zone "${zoneId}" (${known(zones.keys())})`)
  }

  const leaders = new Map<string, { path: Path; zones: string[] | undefined }>()
  list(doc.departments).forEach((item, index) => {
    const dept = rec(item)
    const base: Path = ['departments', index]
    const handles = new Set(list(dept.topics).map(str))
    list(dept.topics).forEach((topic, j) => topicRef(topic, [...base, 'topics', j]))
    list(dept.zones).forEach((zone, j) => zoneRef(zone, [...base, 'zones', j]))
    const served = Array.isArray(dept.zones) ? dept.zones.map(str).filter((z): z is string => z !== undefined) : undefined
    list(dept.leads).forEach((topic, j) => {
      const path: Path = [...base, 'leads', j]
      topicRef(topic, path)
      const name = str(topic)
      if (name === undefined) return
      if (!handles.has(name)) issue(ctx, path, `leads "${name}" but does not list it in topics; add it to departments[${index}].topics`)
      const other = leaders.get(name)
      const overlap = other !== undefined && (other.zones === undefined || served === undefined || other.zones.some((z) => served.includes(z)))
      if (other !== undefined && overlap) issue(ctx, path, `topic "${name}" already has a leading department for the same zones`, { firstPath: other.path })
      else if (other === undefined) leaders.set(name, { path, zones: served })
    })
  })

  const owners = new Set([...departments.keys(), ...(fallbackId === undefined ? [] : [fallbackId])])
  list(doc.users).forEach((item, index) => {
    const user = rec(item)
    zoneRef(user.zone, ['users', index, 'zone'])
    const dept = str(user.department)
    if (dept !== undefined && !owners.has(dept)) issue(ctx, ['users', index, 'department'], `unknown department "${dept}" (${known(owners)})`)
    if (list(user.roles).includes('handler') && user.zone === undefined && user.department === undefined) {
      issue(ctx, ['users', index], `handler "${str(user.name) ?? index}" needs a zone or a department, or no ticket can be assigned to them`)
    }
  })

  const approval = rec(doc.approval)
  const approvers = (key: string, role: string, who: string) => {
    const names = list(approval[key])
    if (names.length === 0) issue(ctx, ['approval', key], `name at least one ${role} user; every reply needs the ${who}'s signature`)
    names.forEach((value, j) => {
      const name = str(value)
      if (name === undefined) return
      const at = users.get(name)
      const roles = at === undefined ? [] : list(rec(list(doc.users)[at[1] as number]).roles)
      if (at === undefined) issue(ctx, ['approval', key, j], `"${name}" is not a user (${known(users.keys())})`)
      else if (!roles.includes(role)) issue(ctx, ['approval', key, j], `user "${name}" lacks the ${role} role; add it to their roles`, { firstPath: at.slice(0, 2), relatedLabel: 'user defined' })
    })
  }
  approvers('bureauHeads', 'bureau-head', 'bureau head (区信访局主要领导)')
  approvers('supervisingLeaders', 'supervising-leader', 'supervising district leader (区主管领导)')
  const skip = rec(approval.skipLeader)
  list(skip.topics).forEach((topic, j) => topicRef(topic, ['approval', 'skipLeader', 'topics', j]))
  if (skip.enabled === true && list(skip.topics).length === 0) {
    issue(ctx, ['approval', 'skipLeader', 'topics'], 'skipLeader is enabled but lists no topics; name the topics whose replies may skip the leader')
  }
}

function checkOperations(ctx: Ctx, doc: Rec): void {
  const sla = rec(doc.sla)
  const calendar = rec(sla.calendar)
  const holidays = new Map(list(calendar.holidays).map((day, j) => [str(day), j] as const))
  list(calendar.makeupWorkdays).forEach((day, j) => {
    const at = holidays.get(str(day))
    if (str(day) !== undefined && at !== undefined) {
      issue(ctx, ['sla', 'calendar', 'makeupWorkdays', j], `${String(day)} is listed both as a holiday and as a make-up workday`, { firstPath: ['sla', 'calendar', 'holidays', at] })
    }
  })

  // 五个一: each later clock must give at least as much time as the earlier ones.
  const clocks = rec(sla.clocks)
  let previous: { name: string; within: string; ms: number; basis: unknown } | undefined
  for (const name of CLOCK_NAMES) {
    const clock = rec(clocks[name])
    const within = str(clock.within)
    if (within === undefined || durationProblem(within) !== undefined) continue
    const current = { name, within, ms: parseDuration(within), basis: clock.basis }
    if (previous !== undefined && previous.basis === current.basis && current.ms < previous.ms) {
      issue(ctx, ['sla', 'clocks'], `${previous.name} (${previous.within}) ends after ${name} (${within}); each 五个一 clock must not end before the one before it`)
    }
    previous = current
  }

  uniqueBy(ctx, list(doc.sources), ['sources'], 'id', 'source id')
  list(doc.sources).forEach((item, index) => {
    const source = rec(item)
    const kind = str(source.kind)
    if (kind !== undefined && URL_SOURCE_KINDS.includes(kind) && source.url === undefined) {
      issue(ctx, ['sources', index, 'url'], `a source of kind ${kind} needs url (the ${kind === 'rss' ? 'feed' : 'page'} to fetch)`, { expected: 'URL' })
    }
  })

  const users = new Set(list(doc.users).map((user) => str(rec(user).name)))
  list(rec(doc.notify).urgentTo).forEach((value, j) => {
    const name = str(value)
    if (name !== undefined && !users.has(name)) issue(ctx, ['notify', 'urgentTo', j], `"${name}" is not a user`)
  })
  const channels = list(rec(doc.notify).channels)
  uniqueBy(ctx, channels, ['notify', 'channels'], 'id', 'channel id')
  channels.forEach((item, index) => {
    const channel = rec(item)
    const base: Path = ['notify', 'channels', index]
    const email = channel.kind === 'email'
    if (channel.url === undefined) {
      issue(ctx, [...base, 'url'], email ? 'an email channel needs url, the SMTP server (smtps://user:pass@host:465)' : 'this channel needs url, the webhook address', { expected: 'URL' })
    } else {
      const result = (email ? smtpUrl : httpUrl).safeParse(channel.url)
      if (!result.success) issue(ctx, [...base, 'url'], result.error.issues[0]?.message ?? 'bad URL', { expected: 'URL' })
    }
    if (email && list(channel.to).length === 0) issue(ctx, [...base, 'to'], 'an email channel needs to: the user names to write to')
    list(channel.to).forEach((value, j) => {
      const name = str(value)
      if (name !== undefined && !users.has(name)) issue(ctx, [...base, 'to', j], `"${name}" is not a user`)
    })
  })
}

const PUBLISH_COMMON = new Set(['id', 'kind', 'enabled'])
const isPublishKind = (value: unknown): value is PublishKind => typeof value === 'string' && (PUBLISH_KINDS as readonly string[]).includes(value)

function checkPublishing(ctx: Ctx, doc: Rec): void {
  const publish = rec(doc.publish)
  const channels = list(publish.channels)
  const ids = uniqueBy(ctx, channels, ['publish', 'channels'], 'id', 'publishing channel id')
  channels.forEach((item, index) => {
    const channel = rec(item)
    const base: Path = ['publish', 'channels', index]
    const kind = channel.kind
    if (!isPublishKind(kind)) return
    const takes = PUBLISH_KEYS[kind]
    for (const key of Object.keys(channel)) {
      if (PUBLISH_COMMON.has(key) || takes.includes(key) || !Object.values(PUBLISH_KEYS).some((keys) => keys.includes(key))) continue
      issue(ctx, [...base, key], `${key} is not used by ${kind === 'export' ? 'an' : 'a'} ${kind} channel (it takes ${takes.join(', ')})`)
    }
    const need = (key: string, message: string, expected?: string) => {
      if (channel[key] === undefined) issue(ctx, [...base, key], message, expected === undefined ? undefined : { expected })
    }
    if (kind === 'export') need('dir', 'an export channel needs dir, the directory to write the reply files to (relative to lianxin.yaml), e.g. exports/')
    if (kind === 'webhook') {
      need('url', 'a webhook channel needs url, the address replies are POSTed to', 'URL')
      if (channel.secret === undefined && channel.secretEnv === undefined) {
        issue(ctx, [...base, 'secretEnv'], 'a webhook channel needs secretEnv (or secret): every delivery is signed with HMAC-SHA256 so the receiver can check it came from lianxin')
      } else if (channel.secret !== undefined && channel.secretEnv !== undefined) {
        issue(ctx, [...base, 'secret'], 'set secret or secretEnv, not both (prefer secretEnv: keep secrets out of the file)')
      }
    }
    if (kind === 'browser') {
      need('url', "a browser channel needs url, the back office's base URL (the page with /login)", 'URL')
      need('username', 'a browser channel needs username, the back-office account to log in with')
      need('passwordEnv', 'a browser channel needs passwordEnv, the environment variable holding the back-office password')
    }
  })
  const chosen = str(publish.default)
  if (chosen === undefined) return
  const at = ids.get(chosen)
  if (at === undefined) issue(ctx, ['publish', 'default'], `unknown publishing channel "${chosen}" (${known(ids.keys())})`)
  else if (rec(channels[at[2] as number]).enabled === false) {
    issue(ctx, ['publish', 'default'], `the default publishing channel "${chosen}" is disabled; enable it or name another default`, { firstPath: at.slice(0, 3), relatedLabel: 'channel defined' })
  }
}

/** Adds an issue for every cross-reference problem in a (possibly partly invalid) document. */
export function crossCheck(value: unknown, ctx: Ctx): void {
  if (!isRec(value)) return
  checkOrganisation(ctx, value)
  checkOperations(ctx, value)
  checkPublishing(ctx, value)
}
