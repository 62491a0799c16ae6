/**
 * `lianxin init`: writes a commented lianxin.yaml from a shipped profile.
 */
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { ConfigError, RefusedError } from '../errors.js'
import { packagePath } from '../paths.js'
import { CONFIG_FILE_NAME } from './load.js'
import { envValue } from './overrides.js'

/** Where the shipped profiles live, relative to the package root (the same for src/ and dist/). */
export const PROFILE_DIR = ['src', 'config', 'profiles'] as const

/** The profile written when none is named. */
export const DEFAULT_PROFILE = 'pingfang'

/** Options of {@link initConfig}. */
export interface InitConfigOptions {
  /** Profile name, e.g. `pingfang`. */
  profile: string
  /** File to write (absolute, or relative to the working directory). */
  target: string
  /** Overwrite an existing file. */
  force: boolean
}

/** What {@link initConfig} did. */
export interface InitConfigResult {
  /** Absolute path written. */
  path: string
  profile: string
  /** True when an existing file was replaced (only with `force`). */
  overwritten: boolean
}

/** Where `lianxin init` writes: the `--config` flag, else `LIANXIN_CONFIG`, else ./lianxin.yaml. */
export function initTarget(flagPath: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return flagPath ?? envValue(env, 'LIANXIN_CONFIG') ?? CONFIG_FILE_NAME
}

/** Names of the shipped profiles. */
export async function listProfiles(): Promise<string[]> {
  const files = await readdir(packagePath(...PROFILE_DIR))
  return files.filter((file) => file.endsWith('.yaml')).map((file) => file.slice(0, -'.yaml'.length)).sort()
}

/** Absolute path of a shipped profile. @throws ConfigError listing the known profiles. */
export async function profilePath(profile: string): Promise<string> {
  const known = await listProfiles()
  if (!known.includes(profile)) {
    throw new ConfigError(`unknown profile "${profile}"; known profiles: ${known.join(', ')}`, {
      details: { profile, known },
      suggestions: [`use one of: ${known.map((name) => `--profile ${name}`).join(', ')}`],
    })
  }
  return packagePath(...PROFILE_DIR, `${profile}.yaml`)
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path)
    return true
  } catch {
    return false
  }
}

/**
 * Copies a profile to `target`.
 *
 * @throws RefusedError when `target` exists and `force` is false.
 * @throws ConfigError for an unknown profile.
 */
export async function initConfig(options: InitConfigOptions): Promise<InitConfigResult> {
  const source = await profilePath(options.profile)
  const path = resolve(options.target)
  const existed = await exists(path)
  if (existed && !options.force) {
    throw new RefusedError(`${path} already exists; not overwriting it`, {
      code: 'CONFIG_EXISTS',
      details: { path },
      suggestions: ['pass --force to replace it with the profile', 'or run "lianxin config check" to validate the existing file'],
    })
  }
  const text = await readFile(source, 'utf8')
  try {
    await mkdir(dirname(path), { recursive: true })
    // 'wx' also refuses when another process created the file since the check above.
    await writeFile(path, text, { encoding: 'utf8', flag: options.force ? 'w' : 'wx' })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return initConfig(options)
    throw new ConfigError(`cannot write ${path}: ${(err as Error).message}`, {
      cause: err,
      suggestions: ['check that the directory exists and is writable', 'or choose another place with --config PATH'],
    })
  }
  return { path, profile: options.profile, overwritten: existed }
}
