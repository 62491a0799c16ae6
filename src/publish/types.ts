/**
 * The contract between the reply service and the places a signed reply is published to. A channel
 * looks for an earlier delivery of exactly the same item before sending, so a run resumed after a
 * crash never publishes a reply twice (docs/publishing.md has the whole argument).
 */

/** One signed reply, ready to publish: the exact text both signatures cover. */
export interface PublishItem {
  ticketId: number
  version: number
  text: string
  /** sha256 (hex) of the UTF-8 text; channels refuse an item whose text does not match it. */
  textSha256: string
  title: string
  /** Where the citizen posted: the linked post's source kind/id, item id (liuyan tid) and URL. */
  target?: { sourceKind: string; sourceId: string; itemId: string; url?: string }
  /** Who signed, for the receiving system's record. */
  signers: Array<{ role: 'bureau-head' | 'supervising-leader'; person: string; at: string }>
}

/** What a channel did (or found already done) with one item. */
export interface PublishReceipt {
  /** The channel id from lianxin.yaml. */
  channel: string
  kind: 'export' | 'webhook' | 'browser'
  /** Where the reply can be seen (browser: the thread's public page; webhook: what the receiver answered, if anything). */
  url?: string
  /** The receiving system's id for the delivery (webhook: from its answer; browser: the board's answer id). */
  remoteId?: string
  /** ISO time of the delivery (or of finding the earlier one). */
  at: string
  /** true when find() found an earlier delivery */
  alreadyThere?: boolean
  /** export only: files written */
  files?: string[]
}

/**
 * Error codes by which a channel promises that nothing reached the board or the receiver: the
 * receiver answered 4xx, the form did not take the text, the thread already shows another reply,
 * the back office has no such form. (A usage or not-found error says the same: it is raised
 * before anything is sent.) Any other failure may have delivered the reply.
 */
export const NOT_SENT_CODES: ReadonlySet<string> = new Set(['PUBLISH_REFUSED', 'PUBLISH_ALREADY_ANSWERED', 'PUBLISH_FORM_MISSING'])

export interface PublishChannel {
  readonly id: string
  readonly kind: 'export' | 'webhook' | 'browser'
  /** Looks for an earlier delivery of exactly this item (same ticket, version and text hash), so a run resumed after a crash never sends twice. undefined = not delivered (or the channel cannot tell; then send must be idempotent on the receiver, see webhook). */
  find(item: PublishItem): Promise<PublishReceipt | undefined>
  send(item: PublishItem): Promise<PublishReceipt>
  close?(): Promise<void>
}
