import { generateKeyPairSync } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { NotFoundError, RefusedError, UsageError } from '../../src/errors.js'
import { keyFingerprint } from '../../src/store/people.js'
import { defaultHome, initKeys, keyPaths, loadPrivateKey } from '../../src/signing/keys.js'
import { getPassphrase, readPassphrase } from '../../src/signing/passphrase.js'
import { approvalMessage, signApproval, verifyApproval } from '../../src/signing/sign.js'

const PASS = '松花江 冬天 暖气 2026'
let home: string
let savedHome: string | undefined

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'lianxin-keys-'))
  savedHome = process.env.LIANXIN_HOME
  process.env.LIANXIN_HOME = home
})
afterEach(() => {
  if (savedHome === undefined) delete process.env.LIANXIN_HOME
  else process.env.LIANXIN_HOME = savedHome
  rmSync(home, { recursive: true, force: true })
})

const mode = (path: string) => statSync(path).mode & 0o777
const refusal = (fn: () => unknown): RefusedError => {
  try {
    fn()
  } catch (err) {
    if (err instanceof RefusedError) return err
    throw err
  }
  throw new Error('expected a RefusedError')
}

describe('key files', () => {
  it('round-trip: init under LIANXIN_HOME with 0600/0700, load, sign, verify with the .pub', () => {
    expect(defaultHome()).toBe(home)
    const made = initKeys({ user: 'liuju', passphrase: PASS })
    const paths = keyPaths('liuju')
    expect(made.privateKeyPath).toBe(join(home, 'keys', 'liuju.key'))
    expect(mode(made.privateKeyPath)).toBe(0o600)
    expect(mode(paths.dir)).toBe(0o700)
    const file = readFileSync(made.privateKeyPath, 'utf8')
    expect(file).toMatch(/^lianxin-signing-key: v1\nuser: liuju\nkdf: scrypt N=32768 r=8 p=1\nsalt: \S+\n-----BEGIN ENCRYPTED PRIVATE KEY-----\n/)
    expect(file).not.toContain('BEGIN PRIVATE KEY')
    const pub = readFileSync(paths.publicKeyPath, 'utf8')
    expect(pub).toBe(made.publicKeyPem)
    expect(made.fingerprint).toBe(keyFingerprint(pub))

    const loaded = loadPrivateKey({ user: 'liuju', passphrase: PASS })
    expect(loaded.fingerprint).toBe(made.fingerprint)
    const msg = approvalMessage({ ticketId: 7, version: 1, text: '答复正文' })
    expect(verifyApproval(pub, msg, signApproval(loaded.privateKey, msg))).toBe(true)
  })

  it('opens with the passphrase typed in another Unicode form (NFC)', () => {
    initKeys({ user: 'liuju', home, passphrase: 'café au lait' })
    expect(() => loadPrivateKey({ user: 'liuju', home, passphrase: 'cafe\u0301 au lait' })).not.toThrow()
  })

  it('refuses a wrong passphrase with a clear message', () => {
    initKeys({ user: 'liuju', home, passphrase: PASS })
    const err = refusal(() => loadPrivateKey({ user: 'liuju', home, passphrase: `${PASS} ` }))
    expect(err.code).toBe('PASSPHRASE_WRONG')
    expect(err.message).toMatch(/^the passphrase does not open the signing key .*liuju\.key$/)
  })

  it.each([0o640, 0o604, 0o644, 0o660])('refuses a key file with permissions %o', (m) => {
    const { privateKeyPath } = initKeys({ user: 'liuju', home, passphrase: PASS })
    chmodSync(privateKeyPath, m)
    const err = refusal(() => loadPrivateKey({ user: 'liuju', home, passphrase: PASS }))
    expect(err.code).toBe('KEY_PERMISSIONS')
    expect(err.message).toContain(`permissions 0${m.toString(8)}`)
    expect(err.suggestions.join(' ')).toContain('chmod 600')
  })

  it('refuses a symbolic link to a key', () => {
    const { privateKeyPath } = initKeys({ user: 'liuju', home, passphrase: PASS })
    symlinkSync(privateKeyPath, join(home, 'keys', 'wangqu.key'))
    expect(refusal(() => loadPrivateKey({ user: 'wangqu', home, passphrase: PASS })).code).toBe('KEY_PERMISSIONS')
  })

  it('refuses to overwrite an existing key unless forced', () => {
    const first = initKeys({ user: 'liuju', home, passphrase: PASS })
    const before = readFileSync(first.privateKeyPath, 'utf8')
    const err = refusal(() => initKeys({ user: 'liuju', home, passphrase: 'another passphrase' }))
    expect(err.code).toBe('KEY_FILE_EXISTS')
    expect(readFileSync(first.privateKeyPath, 'utf8')).toBe(before)
    const second = initKeys({ user: 'liuju', home, passphrase: 'another passphrase', force: true })
    expect(second.fingerprint).not.toBe(first.fingerprint)
    expect(mode(second.privateKeyPath)).toBe(0o600)
    expect(loadPrivateKey({ user: 'liuju', home, passphrase: 'another passphrase' }).fingerprint).toBe(second.fingerprint)
  })

  it('says how to create a missing key', () => {
    expect(() => loadPrivateKey({ user: 'wangqu', home, passphrase: PASS })).toThrow(NotFoundError)
    try {
      loadPrivateKey({ user: 'wangqu', home, passphrase: PASS })
    } catch (err) {
      expect((err as NotFoundError).suggestions.join(' ')).toContain('lianxin keys init --user wangqu')
    }
  })

  it('refuses short passphrases and user names that are not file names', () => {
    expect(() => initKeys({ user: 'liuju', home, passphrase: '1234567' })).toThrow(UsageError)
    for (const user of ['../liuju', 'a/b', '.hidden', '', 'LiuJu']) expect(() => initKeys({ user, home, passphrase: PASS }), user).toThrow(UsageError)
    expect(existsSync(join(home, 'keys'))).toBe(false)
  })

  it('refuses an unencrypted key and a damaged file; reads a plain encrypted PKCS#8 (e.g. from openssl)', () => {
    const dir = join(home, 'keys')
    mkdirSync(dir, { mode: 0o700 })
    const { privateKey, publicKey } = generateKeyPairSync('ed25519')
    writeFileSync(join(dir, 'plain.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 })
    expect(refusal(() => loadPrivateKey({ user: 'plain', home, passphrase: PASS })).message).toContain('not encrypted')
    writeFileSync(join(dir, 'broken.key'), 'lianxin-signing-key: v1\nkdf: scrypt N=3 r=8 p=1\nsalt: AAAAAAAAAAAAAAAAAAAAAA==\n-----BEGIN ENCRYPTED PRIVATE KEY-----\n', { mode: 0o600 })
    expect(refusal(() => loadPrivateKey({ user: 'broken', home, passphrase: PASS })).code).toBe('KEY_FILE_INVALID')
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: PASS })
    writeFileSync(join(dir, 'openssl.key'), pem, { mode: 0o600 })
    const loaded = loadPrivateKey({ user: 'openssl', home, passphrase: PASS })
    expect(loaded.fingerprint).toBe(keyFingerprint(publicKey.export({ type: 'spki', format: 'pem' }).toString()))
  })
})

const tty = () => Object.assign(new PassThrough(), { isTTY: true })
const sink = () => {
  const out = new PassThrough()
  let text = ''
  out.on('data', (c: Buffer) => (text += c.toString()))
  return { out, text: () => text }
}

describe('passphrase', () => {
  it('comes from the argument, else LIANXIN_PASSPHRASE', async () => {
    expect(await getPassphrase({ passphrase: 'from-arg', env: { LIANXIN_PASSPHRASE: 'from-env' } })).toBe('from-arg')
    expect(await getPassphrase({ env: { LIANXIN_PASSPHRASE: 'from-env' } })).toBe('from-env')
  })

  it('is a UsageError when stdin is not a terminal and no variable is set', async () => {
    const err = await getPassphrase({ env: {}, input: new PassThrough() }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(UsageError)
    expect((err as UsageError).message).toContain('not a terminal')
    expect((err as UsageError).suggestions.join(' ')).toContain('LIANXIN_PASSPHRASE')
  })

  it('is read from a terminal without echo', async () => {
    const input = tty()
    const { out, text } = sink()
    const answer = readPassphrase({ prompt: 'Passphrase for liuju: ', input, output: out })
    input.write('秘密 passphrase\n')
    expect(await answer).toBe('秘密 passphrase')
    expect(text()).toContain('Passphrase for liuju: ')
    expect(text()).not.toContain('秘密')
  })

  it('asks twice with confirm and refuses a mismatch; Ctrl-D cancels', async () => {
    const input = tty()
    const { out } = sink()
    const result = getPassphrase({ env: {}, input, output: out, confirm: true }).catch((e: unknown) => e)
    input.write('first one\n')
    await new Promise((r) => setTimeout(r, 20))
    input.write('second one\n')
    expect(await result).toBeInstanceOf(UsageError)

    const other = tty()
    const closing = readPassphrase({ prompt: '> ', input: other, output: sink().out }).catch((e: unknown) => e)
    other.end()
    expect(await closing).toBeInstanceOf(UsageError)
  })
})
