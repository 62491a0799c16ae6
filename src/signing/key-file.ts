/**
 * The private key file's format: an encrypted PKCS#8 PEM, preceded by a few header lines that
 * say how the passphrase is stretched.
 *
 * Node (OpenSSL) encrypts PKCS#8 with PBES2 = PBKDF2-HMAC-SHA256 at only 2048 iterations, which
 * is cheap to brute-force if the file is stolen. So the passphrase is first stretched with scrypt
 * (random salt, parameters in the header) and the result, hex, is the PKCS#8 passphrase:
 *
 * ```text
 * lianxin-signing-key: v1
 * user: liuju
 * kdf: scrypt N=32768 r=8 p=1
 * salt: <base64, 16 bytes>
 * -----BEGIN ENCRYPTED PRIVATE KEY-----
 * …aes-256-cbc…
 * -----END ENCRYPTED PRIVATE KEY-----
 * ```
 *
 * A file without the header (a plain encrypted PKCS#8 PEM, e.g. from `openssl genpkey`) is read
 * with the passphrase as it is.
 */
import { createPrivateKey, randomBytes, scryptSync, type KeyObject } from 'node:crypto'
import { RefusedError } from '../errors.js'

/** The scrypt cost written into new key files (about 32 MiB and 0.1–0.3 s per unlock). */
export const SCRYPT_DEFAULTS = { N: 32_768, r: 8, p: 1 } as const

/** Symmetric cipher of the PKCS#8 envelope. */
export const KEY_CIPHER = 'aes-256-cbc'

interface ScryptParams {
  N: number
  r: number
  p: number
  salt: Buffer
}

/** What the header of a key file says. */
export interface KeyFileHeader {
  user: string | null
  kdf: ScryptParams | null
}

/** Encrypts an Ed25519 private key for `user` under `passphrase` and returns the file's text. */
export function encodeKeyFile(privateKey: KeyObject, user: string, passphrase: string): string {
  const params: ScryptParams = { ...SCRYPT_DEFAULTS, salt: randomBytes(16) }
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem', cipher: KEY_CIPHER, passphrase: stretch(passphrase, params) })
  return [
    'lianxin-signing-key: v1',
    `user: ${user}`,
    `kdf: scrypt N=${params.N} r=${params.r} p=${params.p}`,
    `salt: ${params.salt.toString('base64')}`,
    pem.toString().trimEnd(),
    '',
  ].join('\n')
}

/**
 * Decrypts a key file's text.
 *
 * @throws RefusedError `PASSPHRASE_WRONG` when the passphrase does not open it, `KEY_FILE_INVALID`
 *   when the file is damaged, not encrypted, or not an Ed25519 key.
 */
export function decodeKeyFile(text: string, passphrase: string, path: string): KeyObject {
  const header = parseHeader(text, path)
  const begin = text.indexOf('-----BEGIN ')
  const pem = text.slice(begin)
  if (!pem.startsWith('-----BEGIN ENCRYPTED PRIVATE KEY-----')) {
    throw invalid(path, pem.startsWith('-----BEGIN PRIVATE KEY-----') ? 'the private key in it is not encrypted' : 'it holds no encrypted PKCS#8 key')
  }
  let key: KeyObject
  try {
    key = createPrivateKey({ key: pem, format: 'pem', passphrase: header.kdf ? stretch(passphrase, header.kdf) : passphrase })
  } catch (err) {
    const code = err instanceof Error ? (err as NodeJS.ErrnoException).code : undefined
    if (code === 'ERR_OSSL_BAD_DECRYPT' || code === 'ERR_OSSL_EVP_BAD_DECRYPT') {
      throw new RefusedError(`the passphrase does not open the signing key ${path}`, {
        code: 'PASSPHRASE_WRONG',
        cause: err,
        suggestions: [
          'Type the passphrase again (it is case-sensitive; check the input method is not in full-width mode).',
          'If the passphrase is lost, create a new key with "lianxin keys init --force", register it, and have the old one revoked.',
        ],
      })
    }
    throw invalid(path, 'the key inside cannot be read', err)
  }
  if (key.asymmetricKeyType !== 'ed25519') throw invalid(path, `it holds a ${key.asymmetricKeyType ?? 'unknown'} key, but lianxin signs with Ed25519`)
  return key
}

/** Reads the header lines above the PEM block (empty if there are none). */
export function parseHeader(text: string, path: string): KeyFileHeader {
  const begin = text.indexOf('-----BEGIN ')
  if (begin < 0) throw invalid(path, 'it holds no PEM block')
  const fields = new Map<string, string>()
  for (const line of text.slice(0, begin).split('\n')) {
    const m = /^([a-z-]+):\s*(.*?)\s*$/.exec(line)
    if (m) fields.set(m[1]!, m[2]!)
  }
  const version = fields.get('lianxin-signing-key')
  if (version === undefined) return { user: null, kdf: null }
  if (version !== 'v1') throw invalid(path, `its format "${version}" is newer than this lianxin understands`)
  const kdf = /^scrypt N=(\d+) r=(\d+) p=(\d+)$/.exec(fields.get('kdf') ?? '')
  const salt = Buffer.from(fields.get('salt') ?? '', 'base64')
  if (!kdf || salt.length < 16) throw invalid(path, 'its "kdf" or "salt" header line is damaged')
  const [N, r, p] = [Number(kdf[1]), Number(kdf[2]), Number(kdf[3])]
  // Bounds keep a crafted file from making us allocate gigabytes.
  if (!(N >= 1024 && N <= 1_048_576 && (N & (N - 1)) === 0 && r >= 1 && r <= 32 && p >= 1 && p <= 16 && 128 * N * r <= 512 * 1024 * 1024)) {
    throw invalid(path, `its scrypt parameters (${kdf[0]}) are out of range`)
  }
  return { user: fields.get('user') ?? null, kdf: { N, r, p, salt } }
}

function stretch(passphrase: string, params: ScryptParams): string {
  // NFC so that the same passphrase typed with different input methods opens the key.
  const maxmem = 128 * params.N * params.r * 2 + 1024 * 1024
  return scryptSync(passphrase.normalize('NFC'), params.salt, 32, { N: params.N, r: params.r, p: params.p, maxmem }).toString('hex')
}

function invalid(path: string, why: string, cause?: unknown): RefusedError {
  return new RefusedError(`the signing key file ${path} cannot be used: ${why}`, {
    code: 'KEY_FILE_INVALID',
    ...(cause === undefined ? {} : { cause }),
    suggestions: ['Restore the file from your backup, or create a new key with "lianxin keys init --force" and have the old one revoked.'],
  })
}
