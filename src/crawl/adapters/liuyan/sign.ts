/**
 * The anonymous signature of the board's JSON API (sources.md §1.3.2):
 * `md5(path + param + key + token)` with `key = md5(token || appCode).slice(0, 16)`.
 */
import { createHash } from 'node:crypto'

/** Lowercase hex MD5 of a UTF-8 string. */
export function md5(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex')
}

/**
 * The business parameters as the front end sends them: compact JSON, keys in insertion order.
 * (`JSON.stringify` never adds spaces, so values that contain spaces stay intact.)
 */
export function paramString(param: Record<string, unknown>): string {
  return JSON.stringify(param)
}

/**
 * Signs one request.
 *
 * @param path the endpoint path without the query, e.g. `/v2/threads/search`
 * @param param the exact `param` string that is sent
 * @param appCode `window.SITE_CONFIG.appCode` of the site
 * @param token the login token; empty when anonymous
 */
export function liuyanSignature(path: string, param: string, appCode: string, token = ''): string {
  const bare = path.split('?')[0] ?? path
  const key = md5(token === '' ? appCode : token).slice(0, 16)
  return md5(bare + param + key + token)
}

/** The JSON body of a signed request: `{appCode, token, signature, param}`. */
export interface SignedBody {
  appCode: string
  token: string
  signature: string
  param: string
}

/** Builds the signed body for `param` (serialised compactly, keys in the order given). */
export function signedBody(path: string, param: Record<string, unknown>, appCode: string, token = ''): SignedBody {
  const text = paramString(param)
  return { appCode, token, signature: liuyanSignature(path, text, appCode, token), param: text }
}
