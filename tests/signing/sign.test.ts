import { createHash, generateKeyPairSync } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { RefusedError } from '../../src/errors.js'
import { APPROVAL_DOMAIN, approvalMessage, signApproval, textSha256, verifyApproval } from '../../src/signing/sign.js'

const TEXT = '您好！您反映的北厂文化小区暖气不热问题，平房供热公司已于12月5日入户检测并更换阀门。联系电话：0451-86501234。'
const subject = { ticketId: 42, version: 3, text: TEXT }
/**
 * A key pair whose signature of the subject has a "+" or "/" in base64 (about 94% of them do), so
 * that its base64url form really differs and the test below can fail.
 */
function signer() {
  for (;;) {
    const pair = generateKeyPairSync('ed25519')
    const signature = signApproval(pair.privateKey, approvalMessage(subject))
    if (/[+/]/.test(signature)) return { ...pair, signature }
  }
}
const { privateKey, publicKey, signature } = signer()
const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString()
const other = generateKeyPairSync('ed25519')
const otherPem = other.publicKey.export({ type: 'spki', format: 'pem' }).toString()

describe('approval message', () => {
  it('is the documented bytes: domain, ticket, version, sha256 of the UTF-8 text', () => {
    const hash = createHash('sha256').update(Buffer.from(TEXT, 'utf8')).digest('hex')
    expect(approvalMessage(subject).toString('utf8')).toBe(`lianxin-approval-v1\n42\n3\n${hash}`)
    expect(APPROVAL_DOMAIN).toBe('lianxin-approval-v1')
  })

  it('hashes the exact bytes without normalising', () => {
    expect(textSha256('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
    const variants = [TEXT, `${TEXT} `, `${TEXT}\n`, `${TEXT}\r\n`, TEXT.replace('，', ','), `\uFEFF${TEXT}`, TEXT.normalize('NFKC')]
    expect(new Set(variants.map(textSha256)).size).toBe(variants.length)
    expect(textSha256('é')).not.toBe(textSha256('e\u0301')) // …and NFC/NFD differ
  })

  it('refuses a text with a lone surrogate, and non-positive or fractional numbers', () => {
    expect(() => textSha256('答复\uD800')).toThrow(RefusedError)
    for (const [ticketId, version] of [[0, 1], [-1, 1], [1.5, 1], [1, 0], [Number.NaN, 1], [1, Number.MAX_SAFE_INTEGER + 1]] as const) {
      expect(() => approvalMessage({ ticketId, version, text: 'x' }), `${ticketId}/${version}`).toThrow(/positive whole number/)
    }
  })
})

describe('signatures', () => {
  it('verify over the same ticket, version and text', () => {
    expect(signature).toMatch(/^[A-Za-z0-9+/]{86}==$/)
    expect(verifyApproval(pem, approvalMessage(subject), signature)).toBe(true)
    expect(verifyApproval(publicKey, approvalMessage(subject), signature)).toBe(true)
  })

  const changed: [string, Buffer][] = [
    ['one character changed', approvalMessage({ ...subject, text: TEXT.replace('12月5日', '12月6日') })],
    ['one space added', approvalMessage({ ...subject, text: TEXT.replace('暖气', '暖 气') })],
    ['a trailing newline', approvalMessage({ ...subject, text: `${TEXT}\n` })],
    ['a full-width comma made half-width', approvalMessage({ ...subject, text: TEXT.replace('，', ',') })],
    ['another version', approvalMessage({ ...subject, version: 2 })],
    ['another ticket', approvalMessage({ ...subject, ticketId: 43 })],
    ['a message without the domain tag', Buffer.from(approvalMessage(subject).toString().replace(`${APPROVAL_DOMAIN}\n`, ''))],
  ]
  it.each(changed)('fail on %s', (_name, message) => {
    expect(verifyApproval(pem, message, signature)).toBe(false)
  })

  it('fail with another key', () => {
    expect(verifyApproval(otherPem, approvalMessage(subject), signature)).toBe(false)
  })

  const msg = approvalMessage(subject)
  const raw = Buffer.from(signature, 'base64')
  const garbage: [string, unknown][] = [
    ['a truncated signature', signature.slice(0, 80)],
    ['a signature of 63 bytes', raw.subarray(0, 63).toString('base64')],
    ['a signature with one bit flipped', Buffer.from(raw.map((b, i) => (i === 10 ? b ^ 1 : b))).toString('base64')],
    ['a signature with a trailing newline', `${signature}\n`],
    ['a signature in base64url', signature.replace(/\+/g, '-').replace(/\//g, '_')],
    ['64 zero bytes', Buffer.alloc(64).toString('base64')],
    ['an empty string', ''],
    ['random text', '这不是签名'],
    ['not a string', 12345],
  ]
  it.each(garbage)('fail, without throwing, on %s', (_name, sig) => {
    expect(verifyApproval(pem, msg, sig as string)).toBe(false)
  })

  it('fail, without throwing, on a broken or non-Ed25519 public key', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }).toString()
    for (const key of ['', 'not a key', pem.replace(/[A-Z]/g, 'A'), rsa]) expect(verifyApproval(key, msg, signature)).toBe(false)
    expect(verifyApproval(privateKey, msg, signature)).toBe(false)
  })

  it('are only made with an Ed25519 private key', () => {
    expect(() => signApproval(publicKey, msg)).toThrow(RefusedError)
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey
    expect(() => signApproval(ec, msg)).toThrow(/Ed25519/)
  })
})
