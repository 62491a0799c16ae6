/**
 * Where lianxin's own files live. Compiled code runs from `dist/src/…` and tests run the
 * TypeScript from `src/…`, so nothing may assume a fixed depth: we walk up from this module
 * until we find the package.json whose name is "lianxin".
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const PACKAGE_NAME = 'lianxin'

function isLianxinPackage(dir: string): boolean {
  const manifest = join(dir, 'package.json')
  if (!existsSync(manifest)) return false
  try {
    const parsed: unknown = JSON.parse(readFileSync(manifest, 'utf8'))
    return typeof parsed === 'object' && parsed !== null && (parsed as { name?: unknown }).name === PACKAGE_NAME
  } catch {
    return false
  }
}

/** Walks up from `start` to the directory holding lianxin's package.json. */
export function findPackageRoot(start: string): string {
  let dir = start
  for (;;) {
    if (isLianxinPackage(dir)) return dir
    const parent = dirname(dir)
    if (parent === dir) {
      throw new Error(`cannot find the lianxin package root above ${start} (no package.json named "${PACKAGE_NAME}")`)
    }
    dir = parent
  }
}

/** Absolute path of the lianxin package (the directory holding its package.json). */
export const packageRoot: string = findPackageRoot(dirname(fileURLToPath(import.meta.url)))

/**
 * Absolute path of a file shipped with lianxin.
 *
 * @example packagePath('src', 'config', 'profiles', 'pingfang.yaml')
 */
export function packagePath(...parts: string[]): string {
  return join(packageRoot, ...parts)
}
