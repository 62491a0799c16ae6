import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import { packagePath } from '../../src/paths.js'

/** The shipped Pingfang profile as a plain object, to adjust and write out in tests. */
export function readProfile(): Record<string, unknown> {
  return parse(readFileSync(packagePath('src', 'config', 'profiles', 'pingfang.yaml'), 'utf8')) as Record<string, unknown>
}
