/**
 * Who may act: the people of the store (added from lianxin.yaml `users` on first use, or by an
 * admin with `lianxin users add`), their roles, and the keys an admin registered for them.
 *
 * The tables `people` and `person_keys` are caches for listing. Anything that decides whether a
 * reply may go out ({@link rosterFromLog}) rebuilds people and keys from the hash-chained event
 * log instead, and counts only what an admin (or the config, for people) put there.
 */
import type { LianxinConfig } from '../config/schema.js'
import { NotFoundError, RefusedError, UsageError } from '../errors.js'
import { listEvents } from '../store/events.js'
import { createPublicKey } from 'node:crypto'
import { appendEvent } from '../store/events.js'
import { addPerson, getPerson, keyFingerprint, listPeople, registerKey, ROLES, type Person, type PersonKey, type Role } from '../store/people.js'
import { inTransaction, type Session } from '../store/session.js'
import type { Person as WorkflowPerson } from '../tickets/workflow/types.js'

/** The actor of people added from lianxin.yaml. */
export const CONFIG_ACTOR = 'system:config'

/** The environment variable naming who runs a command (the `--as` flag wins). */
export const USER_ENV = 'LIANXIN_USER'

/**
 * Adds every lianxin.yaml user the store does not know yet (event `person.added` by
 * `system:config`). People already in the store are left as they are, revoked ones included:
 * a name is never reused, and the store's record wins over later edits of the file.
 *
 * @returns the names added.
 */
export async function syncConfigUsers(session: Session, config: Pick<LianxinConfig, 'users'>): Promise<string[]> {
  const known = new Set((await listPeople(session)).map((p) => p.name))
  const missing = config.users.filter((u) => !known.has(u.name))
  if (missing.length === 0) return []
  return inTransaction(session, async (tx) => {
    const added: string[] = []
    for (const user of missing) {
      if (await getPerson(tx, user.name)) continue
      await addPerson(
        tx,
        { name: user.name, displayName: user.displayName, roles: [...new Set(user.roles)], zoneId: user.zone ?? null, departmentId: user.department ?? null },
        CONFIG_ACTOR,
      )
      added.push(user.name)
    }
    return added
  })
}

/** The user name a command acts as: `--as`, else `LIANXIN_USER`. */
export function actorName(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const name = flag ?? env[USER_ENV]
  if (name === undefined || name.trim() === '') {
    throw new UsageError('say who you are: --as NAME or the LIANXIN_USER environment variable', {
      suggestions: ['export LIANXIN_USER=zhangwei', 'List people with "lianxin users list".'],
    })
  }
  return name.trim()
}

/**
 * The person acting, who must exist, not be revoked and, when `roles` is given, hold one of them.
 *
 * @throws NotFoundError for an unknown name, RefusedError (`NOT_AUTHORISED`) otherwise.
 */
export async function requireActor(session: Session, name: string, roles?: readonly Role[], doing?: string): Promise<Person> {
  // Authority comes from the log: a row written straight into \`people\` grants nothing.
  const person = (await rosterFromLog(session)).people.find((p) => p.name === name)
  if (!person) {
    throw new NotFoundError(`there is no user named "${name}"`, { suggestions: ['List people with "lianxin users list"; an admin adds people with "lianxin users add".'] })
  }
  if (person.revokedAt !== null) throw new RefusedError(`${name} was revoked on ${person.revokedAt} and can no longer act`, { code: 'NOT_AUTHORISED' })
  if (roles && !roles.some((r) => person.roles.includes(r))) {
    throw new RefusedError(`${person.displayName} (${name}) may not ${doing ?? 'do this'}: that needs the role ${roles.join(' or ')}, and ${name} has ${person.roles.join(', ')}`, {
      code: 'NOT_AUTHORISED',
    })
  }
  return person
}

/** People as the ticket workflow sees them (active ones only). */
export function workflowPeople(people: readonly Person[]): WorkflowPerson[] {
  return people
    .filter((p) => p.revokedAt === null)
    .map((p) => ({
      name: p.name,
      displayName: p.displayName,
      roles: p.roles,
      ...(p.zoneId !== null ? { zone: p.zoneId } : {}),
      ...(p.departmentId !== null ? { department: p.departmentId } : {}),
    }))
}

/** People and keys rebuilt from the event log. */
export interface Roster {
  people: Person[]
  keys: PersonKey[]
  /** Events that did not count, and why (a key registered by a non-admin, say). */
  ignored: string[]
}

interface AddedPayload {
  name: string
  displayName?: string
  roles?: unknown
  zoneId?: string | null
  departmentId?: string | null
}

/**
 * People and keys as the hash-chained log records them: `person.added` by the config or an
 * admin, `person.revoked`, and `key.registered` / `key.revoked` by an admin who was active at
 * that point of the log. A row written straight into `people` or `person_keys` is not here.
 */
export async function rosterFromLog(session: Session): Promise<Roster> {
  const events = await listEvents(session, { streamPrefix: 'person:', types: ['person.added', 'person.revoked', 'key.registered', 'key.revoked'] })
  const people = new Map<string, Person>()
  const keys = new Map<string, PersonKey>()
  const ignored: string[] = []
  const isAdmin = (actor: string): boolean => {
    const p = people.get(actor)
    return p !== undefined && p.revokedAt === null && p.roles.includes('admin')
  }
  for (const event of events) {
    const payload = event.payload as Record<string, unknown>
    const where = `event ${event.seq} (${event.type} by ${event.actor})`
    switch (event.type) {
      case 'person.added': {
        const p = payload as unknown as AddedPayload
        if (event.actor !== CONFIG_ACTOR && !isAdmin(event.actor)) {
          ignored.push(`${where}: only an admin or the config adds people`)
          break
        }
        if (typeof p.name !== 'string' || people.has(p.name)) {
          ignored.push(`${where}: no name, or the name is taken`)
          break
        }
        const roles = Array.isArray(p.roles) ? p.roles.filter((r): r is Role => (ROLES as readonly unknown[]).includes(r)) : []
        people.set(p.name, {
          name: p.name,
          displayName: p.displayName ?? p.name,
          roles,
          zoneId: p.zoneId ?? null,
          departmentId: p.departmentId ?? null,
          addedAt: event.at,
          revokedAt: null,
        })
        break
      }
      case 'person.revoked': {
        const person = people.get(String(payload.name))
        if (!person || !isAdmin(event.actor)) {
          ignored.push(`${where}: unknown person or not revoked by an admin`)
          break
        }
        person.revokedAt ??= event.at
        for (const key of keys.values()) if (key.person === person.name && key.revokedAt === null) Object.assign(key, { revokedAt: event.at, revokedBy: event.actor })
        break
      }
      case 'key.registered': {
        const owner = people.get(String(payload.person))
        const pem = String(payload.publicKey)
        if (!owner || owner.revokedAt !== null || !isAdmin(event.actor)) {
          ignored.push(`${where}: keys are registered by an active admin for an active person`)
          break
        }
        let fingerprint: string
        try {
          fingerprint = keyFingerprint(pem)
        } catch {
          ignored.push(`${where}: the public key does not parse`)
          break
        }
        if (fingerprint !== payload.fingerprint || keys.has(fingerprint)) {
          ignored.push(`${where}: the fingerprint does not match the key, or the key is registered twice`)
          break
        }
        keys.set(fingerprint, { fingerprint, person: owner.name, publicKey: pem, registeredAt: event.at, registeredBy: event.actor, revokedAt: null, revokedBy: null })
        break
      }
      case 'key.revoked': {
        const key = keys.get(String(payload.fingerprint))
        if (!key || !isAdmin(event.actor)) {
          ignored.push(`${where}: unknown key or not revoked by an admin`)
          break
        }
        if (key.revokedAt === null) Object.assign(key, { revokedAt: event.at, revokedBy: event.actor })
        break
      }
    }
  }
  return { people: [...people.values()], keys: [...keys.values()], ignored }
}

/** What an admin gives to add someone. */
export interface NewUser {
  readonly name: string
  readonly displayName?: string
  readonly roles: readonly Role[]
  readonly zone?: string
  readonly department?: string
}

const USER_NAME = /^[a-z][a-z0-9-]{1,31}$/

/** Adds a person (admins only). Names are permanent and never reused. */
export async function addUser(session: Session, actor: string, user: NewUser): Promise<Person> {
  await requireActor(session, actor, ['admin'], 'add people')
  if (!USER_NAME.test(user.name)) throw new UsageError(`"${user.name}" is not a user name: use 2–32 lower-case letters, digits and dashes, starting with a letter (pinyin, e.g. zhangwei)`)
  if (user.roles.length === 0) throw new UsageError('give the person at least one --role')
  if (user.roles.includes('handler') && user.zone === undefined && user.department === undefined) {
    throw new UsageError(`a handler works for a zone or a department; give --zone or --department`)
  }
  return addPerson(
    session,
    { name: user.name, displayName: user.displayName ?? user.name, roles: [...new Set(user.roles)], zoneId: user.zone ?? null, departmentId: user.department ?? null },
    actor,
  )
}

/** Revokes a person and every key of theirs (admins only; an admin cannot revoke themselves). */
export async function revokeUser(session: Session, actor: string, name: string, reason: string): Promise<Person> {
  await requireActor(session, actor, ['admin'], 'revoke people')
  if (name === actor) throw new RefusedError('an admin cannot revoke themselves; ask another admin', { code: 'NOT_AUTHORISED' })
  if (reason.trim() === '') throw new UsageError('say why (--reason)')
  return inTransaction(session, async (tx) => {
    // Whether they are revoked is the log's to say, not the table's (which anyone with SQL can edit).
    const person = (await rosterFromLog(tx)).people.find((p) => p.name === name)
    if (!person) throw new NotFoundError(`there is no user named "${name}"`, { suggestions: ['lianxin users list'] })
    if (person.revokedAt !== null) throw new RefusedError(`${name} was already revoked on ${person.revokedAt}`, { code: 'ALREADY_REVOKED' })
    const at = tx.now().toISOString()
    await tx.db.updateTable('people').set({ revoked_at: at }).where('name', '=', name).execute()
    await tx.db.updateTable('person_keys').set({ revoked_at: at, revoked_by: actor }).where('person', '=', name).where('revoked_at', 'is', null).execute()
    await appendEvent(tx, { stream: `person:${name}`, type: 'person.revoked', actor, payload: { name, reason } })
    return { ...person, revokedAt: at }
  })
}

/** Registers a person's public key (admins only). */
export async function registerUserKey(session: Session, actor: string, person: string, publicKeyPem: string): Promise<PersonKey> {
  await requireActor(session, actor, ['admin'], 'register keys')
  const roster = await rosterFromLog(session)
  const owner = roster.people.find((p) => p.name === person)
  if (!owner) throw new NotFoundError(`there is no user named "${person}"`, { suggestions: ['lianxin users list'] })
  if (owner.revokedAt !== null) throw new RefusedError(`${person} was revoked; a revoked person cannot get a key`, { code: 'PERSON_REVOKED' })
  let fingerprint: string
  try {
    fingerprint = keyFingerprint(publicKeyPem)
  } catch (err) {
    throw new RefusedError('the public key is not a valid PEM key', { cause: err, code: 'KEY_INVALID' })
  }
  const known = roster.keys.find((k) => k.fingerprint === fingerprint)
  if (known) throw new RefusedError(`this key is already registered (to ${known.person}, ${known.registeredAt})`, { code: 'KEY_EXISTS' })
  // A row the log does not know (written around lianxin) must not block a real registration.
  const stray = await session.db.selectFrom('person_keys').select('fingerprint').where('fingerprint', '=', fingerprint).executeTakeFirst()
  if (stray) {
    return inTransaction(session, async (tx) => {
      const at = tx.now().toISOString()
      const pem = createPublicKey(publicKeyPem).export({ type: 'spki', format: 'pem' }).toString()
      await tx.db.updateTable('person_keys').set({ person, public_key: pem, registered_at: at, registered_by: actor, revoked_at: null, revoked_by: null }).where('fingerprint', '=', fingerprint).execute()
      await appendEvent(tx, { stream: `person:${person}`, type: 'key.registered', actor, payload: { person, fingerprint, publicKey: pem } })
      return { fingerprint, person, publicKey: pem, registeredAt: at, registeredBy: actor, revokedAt: null, revokedBy: null }
    })
  }
  return registerKey(session, person, publicKeyPem, actor)
}

/** Revokes a key (admins only): signatures made with it stop counting, even earlier ones. */
export async function revokeUserKey(session: Session, actor: string, fingerprint: string, reason: string): Promise<PersonKey> {
  await requireActor(session, actor, ['admin'], 'revoke keys')
  if (reason.trim() === '') throw new UsageError('say why (--reason)')
  return inTransaction(session, async (tx) => {
    const keys = (await rosterFromLog(tx)).keys
    const matches = keys.filter((k) => k.fingerprint === fingerprint || (fingerprint.length >= 8 && k.fingerprint.startsWith(fingerprint)))
    if (matches.length === 0) throw new NotFoundError(`no registered key has the fingerprint ${fingerprint}`, { suggestions: ['lianxin keys list'] })
    if (matches.length > 1) throw new UsageError(`${fingerprint} is the start of ${matches.length} fingerprints; give more characters`, { suggestions: ['lianxin keys list'] })
    const key = matches[0] as PersonKey
    if (key.revokedAt !== null) throw new RefusedError(`key ${key.fingerprint.slice(0, 16)}… was already revoked on ${key.revokedAt}`, { code: 'ALREADY_REVOKED' })
    const at = tx.now().toISOString()
    await tx.db.updateTable('person_keys').set({ revoked_at: at, revoked_by: actor }).where('fingerprint', '=', key.fingerprint).execute()
    await appendEvent(tx, { stream: `person:${key.person}`, type: 'key.revoked', actor, payload: { person: key.person, fingerprint: key.fingerprint, reason } })
    return { ...key, revokedAt: at, revokedBy: actor }
  })
}
