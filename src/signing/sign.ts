/**
 * The approval signature: what exactly a bureau head or a supervising leader signs, and how a
 * signature is made and checked. The bytes are documented in docs/signing.md; changing them
 * invalidates every signature ever made, so a new format gets a new domain tag (`…-v2`).
 */
import { createHash, createPublicKey, sign as cryptoSign, verify as cryptoVerify, type KeyObject } from 'node:crypto'
import { RefusedError } from '../errors.js'

/** Domain tag: the first line of every approval message, so the signature cannot be replayed elsewhere. */
export const APPROVAL_DOMAIN = 'lianxin-approval-v1'

/** What an approver signs: one exact version of one ticket's reply. */
export interface ApprovalSubject {
  /** The ticket's id (a positive integer). */
  ticketId: number
  /** The draft version (1, 2, …) the text belongs to. */
  version: number
  /** The exact reply text, byte for byte. */
  text: string
}

// A lone UTF-16 surrogate has no UTF-8 encoding; Node would silently write U+FFFD for it, so two
// different strings would share one hash. Such a text is refused instead.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/**
 * SHA-256 (lowercase hex) of the text's exact UTF-8 bytes. Nothing is normalised: a changed space,
 * a full-width comma for a half-width one, CRLF for LF or an added BOM all give a different hash.
 *
 * @throws RefusedError (`TEXT_MALFORMED`) if the string holds a lone surrogate (not valid Unicode).
 */
export function textSha256(text: string): string {
  if (LONE_SURROGATE.test(text)) {
    throw new RefusedError('the reply text holds a broken character (a lone UTF-16 surrogate) and cannot be signed', {
      code: 'TEXT_MALFORMED',
      suggestions: ['Retype the text around the broken character and save it as a new draft version.'],
    })
  }
  return createHash('sha256').update(text, 'utf8').digest('hex')
}

/**
 * The canonical message an approver signs, as UTF-8 bytes (all ASCII):
 *
 * ```text
 * lianxin-approval-v1\n<ticketId>\n<version>\n<sha256 hex of the text>
 * ```
 *
 * Numbers are plain decimal without sign or leading zeros; there is no trailing newline.
 *
 * @throws RefusedError (`SIGNING_INPUT_INVALID`) when ticketId or version is not a positive integer,
 *   (`TEXT_MALFORMED`) when the text is not valid Unicode.
 */
export function approvalMessage(subject: ApprovalSubject): Buffer {
  for (const [name, value] of [['ticket id', subject.ticketId], ['version', subject.version]] as const) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new RefusedError(`the ${name} to sign must be a positive whole number, not ${String(value)}`, { code: 'SIGNING_INPUT_INVALID' })
    }
  }
  return Buffer.from(`${APPROVAL_DOMAIN}\n${subject.ticketId}\n${subject.version}\n${textSha256(subject.text)}`, 'utf8')
}

/**
 * Signs an approval message with an Ed25519 private key (from `loadPrivateKey`).
 *
 * @returns the 64-byte signature, base64 (88 characters).
 * @throws RefusedError (`KEY_INVALID`) when the key is not an Ed25519 private key.
 */
export function signApproval(privateKey: KeyObject, message: Buffer): string {
  if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'ed25519') {
    throw new RefusedError(`approvals are signed with an Ed25519 private key, not a ${privateKey.asymmetricKeyType ?? 'unknown'} ${privateKey.type} key`, {
      code: 'KEY_INVALID',
    })
  }
  return cryptoSign(null, message, privateKey).toString('base64')
}

// A 64-byte Ed25519 signature in canonical base64: 86 characters, the last one carrying only
// 4 bits (so one of AQgw), and "==".
const SIGNATURE_B64 = /^[A-Za-z0-9+/]{85}[AQgw]==$/

/**
 * Checks a signature. Never throws: a malformed key, a non-Ed25519 key, a signature that is not
 * canonical base64 of exactly 64 bytes, or anything else that is wrong gives `false`.
 *
 * @param publicKey the signer's public key, SPKI PEM (as registered) or a KeyObject.
 */
export function verifyApproval(publicKey: string | KeyObject, message: Buffer, signature: string): boolean {
  try {
    if (typeof signature !== 'string' || !SIGNATURE_B64.test(signature)) return false
    if (!Buffer.isBuffer(message)) return false
    const key = typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey
    if (key.type !== 'public' || key.asymmetricKeyType !== 'ed25519') return false
    return cryptoVerify(null, message, key, Buffer.from(signature, 'base64'))
  } catch {
    return false
  }
}
