import { createHash, createPublicKey } from 'node:crypto'
import { NotFoundError, RefusedError } from '../errors.js'
import { appendEvent } from './events.js'
import { inTransaction, type Session } from './session.js'
import type { PersonKeyRow, PersonRow } from './types.js'

export const ROLES = ['staff', 'handler', 'bureau-head', 'supervising-leader', 'admin'] as const
export type Role = (typeof ROLES)[number]

export interface Person {
  name: string
  displayName: string
  roles: Role[]
  zoneId: string | null
  departmentId: string | null
  addedAt: string
  revokedAt: string | null
}

export interface PersonKey {
  fingerprint: string
  person: string
  publicKey: string
  registeredAt: string
  registeredBy: string
  revokedAt: string | null
  revokedBy: string | null
}

export interface NewPerson {
  name: string
  displayName: string
  roles: Role[]
  zoneId?: string | null
  departmentId?: string | null
}

/** Adds a person (event `person.added`). Names are permanent: a name is never reused. */
export async function addPerson(session: Session, person: NewPerson, actor: string): Promise<Person> {
  return inTransaction(session, async (tx) => {
    const existing = await tx.db.selectFrom('people').select('name').where('name', '=', person.name).executeTakeFirst()
    if (existing) throw new RefusedError(`a person named "${person.name}" already exists`, { code: 'PERSON_EXISTS' })
    const row: PersonRow = {
      name: person.name,
      display_name: person.displayName,
      roles: JSON.stringify(person.roles),
      zone_id: person.zoneId ?? null,
      department_id: person.departmentId ?? null,
      added_at: tx.now().toISOString(),
      revoked_at: null,
    }
    await tx.db.insertInto('people').values(row).execute()
    await appendEvent(tx, { stream: `person:${person.name}`, type: 'person.added', actor, payload: { ...person } })
    return toPerson(row)
  })
}

/** Revokes a person: they keep their history but can no longer act or sign. */
export async function revokePerson(session: Session, name: string, actor: string, reason: string): Promise<Person> {
  return inTransaction(session, async (tx) => {
    const person = await requirePerson(tx, name)
    if (person.revokedAt) throw new RefusedError(`${name} was already revoked at ${person.revokedAt}`, { code: 'ALREADY_REVOKED' })
    const at = tx.now().toISOString()
    await tx.db.updateTable('people').set({ revoked_at: at }).where('name', '=', name).execute()
    await tx.db.updateTable('person_keys').set({ revoked_at: at, revoked_by: actor }).where('person', '=', name).where('revoked_at', 'is', null).execute()
    await appendEvent(tx, { stream: `person:${name}`, type: 'person.revoked', actor, payload: { name, reason } })
    return { ...person, revokedAt: at }
  })
}

export async function getPerson(session: Session, name: string): Promise<Person | undefined> {
  const row = await session.db.selectFrom('people').selectAll().where('name', '=', name).executeTakeFirst()
  return row ? toPerson(row) : undefined
}

export async function requirePerson(session: Session, name: string): Promise<Person> {
  const person = await getPerson(session, name)
  if (!person) throw new NotFoundError(`no person named "${name}"`, { suggestions: ['List people with "lianxin users list".'] })
  return person
}

export async function listPeople(session: Session): Promise<Person[]> {
  return (await session.db.selectFrom('people').selectAll().orderBy('name').execute()).map(toPerson)
}

/** SHA-256 of the key's DER (SPKI) encoding, hex: the id a signature names. */
export function keyFingerprint(publicKeyPem: string): string {
  const der = createPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' })
  return createHash('sha256').update(der).digest('hex')
}

/** Registers a person's Ed25519 public key (event `key.registered`). */
export async function registerKey(session: Session, person: string, publicKeyPem: string, actor: string): Promise<PersonKey> {
  let key
  try {
    key = createPublicKey(publicKeyPem)
  } catch (err) {
    throw new RefusedError('the public key is not a valid PEM key', { cause: err, code: 'KEY_INVALID' })
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new RefusedError(`the key is ${key.asymmetricKeyType ?? 'unknown'}, but lianxin signs with Ed25519`, { code: 'KEY_INVALID' })
  }
  const pem = key.export({ type: 'spki', format: 'pem' }).toString()
  const fingerprint = keyFingerprint(pem)
  return inTransaction(session, async (tx) => {
    const owner = await requirePerson(tx, person)
    if (owner.revokedAt) throw new RefusedError(`${person} was revoked; a revoked person cannot get a key`, { code: 'PERSON_REVOKED' })
    const existing = await tx.db.selectFrom('person_keys').selectAll().where('fingerprint', '=', fingerprint).executeTakeFirst()
    if (existing) throw new RefusedError(`this key is already registered (to ${existing.person})`, { code: 'KEY_EXISTS' })
    const row: PersonKeyRow = {
      fingerprint,
      person,
      public_key: pem,
      registered_at: tx.now().toISOString(),
      registered_by: actor,
      revoked_at: null,
      revoked_by: null,
    }
    await tx.db.insertInto('person_keys').values(row).execute()
    await appendEvent(tx, { stream: `person:${person}`, type: 'key.registered', actor, payload: { person, fingerprint, publicKey: pem } })
    return toKey(row)
  })
}

/** Revokes a key (event `key.revoked`): signatures made with it no longer count. */
export async function revokeKey(session: Session, fingerprint: string, actor: string, reason: string): Promise<PersonKey> {
  return inTransaction(session, async (tx) => {
    const row = await tx.db.selectFrom('person_keys').selectAll().where('fingerprint', '=', fingerprint).executeTakeFirst()
    if (!row) throw new NotFoundError(`no key with fingerprint ${fingerprint}`)
    if (row.revoked_at) throw new RefusedError(`key ${fingerprint.slice(0, 16)}… was already revoked`, { code: 'ALREADY_REVOKED' })
    const at = tx.now().toISOString()
    await tx.db.updateTable('person_keys').set({ revoked_at: at, revoked_by: actor }).where('fingerprint', '=', fingerprint).execute()
    await appendEvent(tx, { stream: `person:${row.person}`, type: 'key.revoked', actor, payload: { person: row.person, fingerprint, reason } })
    return toKey({ ...row, revoked_at: at, revoked_by: actor })
  })
}

export async function listKeys(session: Session, person?: string): Promise<PersonKey[]> {
  let query = session.db.selectFrom('person_keys').selectAll().orderBy('registered_at')
  if (person !== undefined) query = query.where('person', '=', person)
  return (await query.execute()).map(toKey)
}

export async function getKey(session: Session, fingerprint: string): Promise<PersonKey | undefined> {
  const row = await session.db.selectFrom('person_keys').selectAll().where('fingerprint', '=', fingerprint).executeTakeFirst()
  return row ? toKey(row) : undefined
}

function toPerson(row: PersonRow): Person {
  return {
    name: row.name,
    displayName: row.display_name,
    roles: JSON.parse(row.roles) as Role[],
    zoneId: row.zone_id,
    departmentId: row.department_id,
    addedAt: row.added_at,
    revokedAt: row.revoked_at,
  }
}

function toKey(row: PersonKeyRow): PersonKey {
  return {
    fingerprint: row.fingerprint,
    person: row.person,
    publicKey: row.public_key,
    registeredAt: row.registered_at,
    registeredBy: row.registered_by,
    revokedAt: row.revoked_at,
    revokedBy: row.revoked_by,
  }
}
