/**
 * Each approver's Ed25519 key pair, made and kept on their own machine: the private key never
 * leaves it and never enters the store; only the public key is registered (`registerKey`).
 *
 * Files, under `<home>/keys/` (home = `LIANXIN_HOME`, else `~/.config/lianxin`):
 *   - `<user>.key` — the private key, encrypted (see key-file.ts), mode 0600, directory 0700;
 *   - `<user>.pub` — the public key, SPKI PEM, to hand to the administrator for registration.
 */
import { generateKeyPairSync, createPublicKey, type KeyObject } from 'node:crypto'
import { chmodSync, closeSync, constants, fstatSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { NotFoundError, RefusedError, UsageError } from '../errors.js'
import { keyFingerprint } from '../store/people.js'
import { decodeKeyFile, encodeKeyFile } from './key-file.js'

/** The shortest passphrase accepted for a new key. */
export const MIN_PASSPHRASE_LENGTH = 8

/** Where lianxin keeps per-person files: `LIANXIN_HOME`, else `~/.config/lianxin`. */
export function defaultHome(env: NodeJS.ProcessEnv = process.env): string {
  const home = env.LIANXIN_HOME
  return home !== undefined && home !== '' ? home : join(homedir(), '.config', 'lianxin')
}

/** The paths of a person's key files. */
export function keyPaths(user: string, home: string = defaultHome()): { dir: string; privateKeyPath: string; publicKeyPath: string } {
  checkUserName(user)
  const dir = join(home, 'keys')
  return { dir, privateKeyPath: join(dir, `${user}.key`), publicKeyPath: join(dir, `${user}.pub`) }
}

export interface InitKeysOptions {
  /** The person's login name (as in lianxin.yaml `users`). */
  user: string
  /** @default {@link defaultHome} */
  home?: string
  /** Protects the private key; at least {@link MIN_PASSPHRASE_LENGTH} characters. */
  passphrase: string
  /** Replace an existing key. The old key is gone for good: have it revoked. @default false */
  force?: boolean
}

export interface InitKeysResult {
  /** SPKI PEM, for the administrator to register (`registerKey`). */
  publicKeyPem: string
  /** SHA-256 of the SPKI DER, hex: the id signatures name. */
  fingerprint: string
  privateKeyPath: string
  publicKeyPath: string
}

/**
 * Creates a new Ed25519 key pair and writes it under `<home>/keys/`.
 *
 * @throws UsageError for a bad user name or a short passphrase; RefusedError `KEY_FILE_EXISTS`
 *   when the user already has a key and `force` is not set.
 */
export function initKeys(options: InitKeysOptions): InitKeysResult {
  const { dir, privateKeyPath, publicKeyPath } = keyPaths(options.user, options.home)
  if ([...options.passphrase].length < MIN_PASSPHRASE_LENGTH) {
    throw new UsageError(`the passphrase must be at least ${MIN_PASSPHRASE_LENGTH} characters long`, {
      suggestions: ['Use a few words you will remember; anyone who copies the key file can try passphrases offline.'],
    })
  }
  if (exists(privateKeyPath) && options.force !== true) {
    throw new RefusedError(`${options.user} already has a signing key at ${privateKeyPath}; it was not overwritten`, {
      code: 'KEY_FILE_EXISTS',
      suggestions: [
        `Keep using the existing key; its public half is ${publicKeyPath}.`,
        'To replace it, add --force, then have the new public key registered and the old key revoked.',
      ],
    })
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  chmodSync(dir, 0o700)
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString()
  writeAtomically(privateKeyPath, encodeKeyFile(privateKey, options.user, options.passphrase), 0o600)
  writeAtomically(publicKeyPath, publicKeyPem, 0o644)
  return { publicKeyPem, fingerprint: keyFingerprint(publicKeyPem), privateKeyPath, publicKeyPath }
}

export interface LoadPrivateKeyOptions {
  user: string
  /** @default {@link defaultHome} */
  home?: string
  passphrase: string
}

export interface LoadedKey {
  privateKey: KeyObject
  /** The matching public key, SPKI PEM. */
  publicKeyPem: string
  fingerprint: string
}

/**
 * Opens a person's private key for signing.
 *
 * @throws NotFoundError when there is no key file; RefusedError `KEY_PERMISSIONS` when group or
 *   others may read it or it belongs to another user, `PASSPHRASE_WRONG`, `KEY_FILE_INVALID`.
 */
export function loadPrivateKey(options: LoadPrivateKeyOptions): LoadedKey {
  const { privateKeyPath } = keyPaths(options.user, options.home)
  let fd: number
  try {
    fd = openSync(privateKeyPath, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0))
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT') {
      throw new NotFoundError(`${options.user} has no signing key on this machine (looked for ${privateKeyPath})`, {
        suggestions: [`Run "lianxin keys init --user ${options.user}", then have the administrator register the public key.`, 'If the key is elsewhere, set LIANXIN_HOME.'],
      })
    }
    if (code === 'ELOOP') {
      throw new RefusedError(`the signing key ${privateKeyPath} is a symbolic link; lianxin only reads a real file`, { code: 'KEY_PERMISSIONS', cause: err })
    }
    throw new RefusedError(`the signing key ${privateKeyPath} cannot be opened (${code ?? 'error'})`, { code: 'KEY_PERMISSIONS', cause: err })
  }
  let text: string
  try {
    // Checked on the open file, so it cannot be swapped between the check and the read.
    checkPermissions(fstatSync(fd), privateKeyPath)
    text = readFileSync(fd, 'utf8')
  } finally {
    closeSync(fd)
  }
  const privateKey = decodeKeyFile(text, options.passphrase, privateKeyPath)
  const publicKeyPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString()
  return { privateKey, publicKeyPem, fingerprint: keyFingerprint(publicKeyPem) }
}

function checkPermissions(stat: { mode: number; uid: number; isFile(): boolean }, path: string): void {
  if (!stat.isFile()) throw new RefusedError(`the signing key ${path} is not a regular file`, { code: 'KEY_PERMISSIONS' })
  if (process.platform === 'win32') return
  const mode = stat.mode & 0o777
  if ((mode & 0o077) !== 0) {
    throw new RefusedError(`the signing key ${path} may be read by other users (permissions ${mode.toString(8).padStart(4, '0')}); lianxin will not use it`, {
      code: 'KEY_PERMISSIONS',
      suggestions: [`Run "chmod 600 ${path}". If others may already have copied it, create a new key and have this one revoked.`],
    })
  }
  const uid = process.getuid?.()
  if (uid !== undefined && uid !== 0 && stat.uid !== uid) {
    throw new RefusedError(`the signing key ${path} belongs to another user (uid ${stat.uid}); lianxin will not use it`, {
      code: 'KEY_PERMISSIONS',
      suggestions: ['Each person keeps their own key under their own account.'],
    })
  }
}

const USER_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/

function checkUserName(user: string): void {
  // The name becomes a file name: no slashes, no "..", nothing hidden.
  if (!USER_NAME.test(user) || user.includes('..')) {
    throw new UsageError(`"${user}" is not a user name (use the login name from lianxin.yaml, e.g. liuju)`)
  }
}

function exists(path: string): boolean {
  try {
    statSync(path)
    return true
  } catch {
    return false
  }
}

/** Writes to a new temp file (exclusive, so never through a planted symlink) with `mode`, then renames. */
function writeAtomically(path: string, content: string, mode: number): void {
  const temp = `${path}.tmp-${process.pid}-${Date.now()}`
  try {
    writeFileSync(temp, content, { mode, flag: 'wx' })
    chmodSync(temp, mode)
    renameSync(temp, path)
  } catch (err) {
    rmSync(temp, { force: true })
    throw err
  }
}
