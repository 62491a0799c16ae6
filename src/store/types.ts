import type { ColumnType, Generated, Insertable, Selectable } from 'kysely'

/**
 * The tables of the store, shared by SQLite and PostgreSQL. Times are ISO-8601 UTC strings
 * (`2026-11-28T04:19:57.000Z`, fixed width, so they sort as text in both backends); JSON is
 * kept as text so what was hashed is exactly what is stored. See docs/data-model.md.
 */
export interface DB {
  events: EventsTable
  chain_head: ChainHeadTable
  sources: SourcesTable
  source_checkpoints: SourceCheckpointsTable
  raw_pages: RawPagesTable
  posts: PostsTable
  post_versions: PostVersionsTable
  tickets: TicketsTable
  ticket_posts: TicketPostsTable
  people: PeopleTable
  person_keys: PersonKeysTable
  replies: RepliesTable
  approvals: ApprovalsTable
  triage_results: TriageResultsTable
  post_fingerprints: PostFingerprintsTable
  leases: LeasesTable
  outbox: OutboxTable
}

/** The append-only, hash-chained log: the record of everything that happened. */
export interface EventsTable {
  seq: number
  at: string
  actor: string
  stream: string
  type: string
  /** Optional idempotency key: a second event with the same key is never written. */
  key: string | null
  /** Canonical JSON of the payload. */
  payload: string
  prev_hash: string
  hash: string
}

/** One row: the seq and hash of the newest event, so that truncating the log shows. */
export interface ChainHeadTable {
  id: number
  seq: number
  hash: string
}

export interface SourcesTable {
  id: string
  kind: string
  name: string
  created_at: string
  last_run_at: string | null
  last_success_at: string | null
  last_error: string | null
  error_streak: ColumnType<number, number | undefined, number>
  backoff_until: string | null
}

/** Where an incremental crawl of one scope of a source (a board, a feed, a user) stopped. */
export interface SourceCheckpointsTable {
  source_id: string
  scope: string
  /** Opaque to the store: the adapter's JSON cursor (highest tid, since_id, last item date...). */
  cursor: string
  updated_at: string
}

/** A response body as fetched, gzip-compressed, so posts can be re-parsed after a parser fix. */
export interface RawPagesTable {
  id: Generated<number>
  source_id: string
  url: string
  fetched_at: string
  status: number
  content_type: string | null
  sha256: string
  body_gz: Buffer
}

export interface PostsTable {
  id: Generated<number>
  source_id: string
  external_id: string
  url: string | null
  title: string
  body: string
  author: string | null
  published_at: string | null
  first_seen_at: string
  updated_at: string
  version: number
  content_hash: string
  /** JSON: source-specific fields (board, state, official reply, grades, engagement, region...). */
  meta: string
  triaged_version: number | null
}

/** Every version of a post's content, oldest first; never updated, never deleted. */
export interface PostVersionsTable {
  post_id: number
  version: number
  captured_at: string
  content_hash: string
  title: string
  body: string
  meta: string
  raw_page_id: number | null
}

export interface TicketsTable {
  id: Generated<number>
  status: string
  title: string
  topic: string | null
  urgency: string | null
  zone_id: string | null
  lead: string | null
  /** JSON array of assisting department ids. */
  assist: string
  opened_at: string
  updated_at: string
  /** JSON: the ticket's full projected state (clocks, sub-tasks, flags), rebuilt from events. */
  state: string
  /** seq of the last event folded into this row. */
  last_seq: number
}

export interface TicketPostsTable {
  ticket_id: number
  post_id: number
  linked_at: string
  reason: string
}

export interface PeopleTable {
  name: string
  display_name: string
  roles: string
  zone_id: string | null
  department_id: string | null
  added_at: string
  revoked_at: string | null
}

export interface PersonKeysTable {
  fingerprint: string
  person: string
  /** Ed25519 public key, SPKI PEM. */
  public_key: string
  registered_at: string
  registered_by: string
  revoked_at: string | null
  revoked_by: string | null
}

/** Reply drafts: one row per version; never updated. */
export interface RepliesTable {
  ticket_id: number
  version: number
  author: string
  text: string
  text_sha256: string
  created_at: string
}

/** Sign-off decisions over an exact reply version; never updated, never deleted. */
export interface ApprovalsTable {
  id: Generated<number>
  ticket_id: number
  reply_version: number
  text_sha256: string
  approver: string
  role: string
  decision: string
  reason: string | null
  key_fingerprint: string | null
  signature: string | null
  at: string
}

export type EventRow = Selectable<EventsTable>
export type PostRow = Selectable<PostsTable>
export type NewPostRow = Insertable<PostsTable>
export type TicketRow = Selectable<TicketsTable>
export type PersonRow = Selectable<PeopleTable>
export type PersonKeyRow = Selectable<PersonKeysTable>

/** One triage of one post version (append-only). */
export interface TriageResultsTable {
  post_id: number
  version: number
  at: string
  model: string
  topic: string
  topic_score: number
  urgency: string
  urgency_score: number
  zone_id: string | null
  community: string | null
  lead: string
  /** JSON: the whole result (cues, assist, confidence, reasons). */
  detail: string
}

/** The SimHash of one post version and its four 16-bit LSH bands (append-only). */
export interface PostFingerprintsTable {
  post_id: number
  version: number
  simhash: string
  band0: number
  band1: number
  band2: number
  band3: number
  at: string
}

/** Who runs which daemon job until when (operational, updated in place). */
export interface LeasesTable {
  name: string
  holder: string
  acquired_at: string
  expires_at: string
}
export type LeaseRow = Selectable<LeasesTable>

/** Notifications waiting, being sent, sent or failed: one row per notification and channel. */
export interface OutboxTable {
  key: string
  notification: string
  channel: string
  ticket_id: number | null
  urgent: number
  payload: string
  status: 'pending' | 'sending' | 'sent' | 'failed'
  attempts: number
  created_at: string
  not_before: string
  claimed_by: string | null
  claimed_until: string | null
  sent_at: string | null
  last_error: string | null
}
export type OutboxRow = Selectable<OutboxTable>
