import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'vitest'
import { ConfigError } from '../../src/errors.js'
import type { ConfigErrorDetails } from '../../src/config/issues.js'

/**
 * A small valid lianxin.yaml. Breakage tests replace single lines, so the line numbers in
 * the comments on the right are what the errors must point at.
 */
export const VALID_LINES = [
  'version: 1', //                                  1
  'district:', //                                   2
  '  name: 哈尔滨市平房区', //                        3
  '  code: "230108"', //                            4
  'zones:', //                                      5
  '  - id: xingjian', //                            6
  '    name: 兴建街道', //                            7
  '    kind: street', //                            8
  '  - id: baoguo', //                              9
  '    name: 保国街道', //                           10
  '    kind: street', //                           11
  'departments:', //                               12
  '  - id: chengguan', //                          13
  '    name: 平房区城市管理局', //                    14
  '    short: 城管', //                             15
  '    topics: [城乡建设]', //                       16
  '    zones: [xingjian]', //                      17
  'fallback:', //                                  18
  '  id: zhengfuban', //                           19
  '  name: 平房区人民政府办公室', //                   20
  'users:', //                                     21
  '  - name: zhangwei', //                         22
  '    displayName: 张伟', //                       23
  '    roles: [staff]', //                         24
  '  - name: liuju', //                            25
  '    displayName: 刘局长', //                     26
  '    roles: [bureau-head]', //                   27
  '  - name: wangqu', //                           28
  '    displayName: 王副区长', //                   29
  '    roles: [supervising-leader]', //            30
  'approval:', //                                  31
  '  bureauHeads: [liuju]', //                     32
  '  supervisingLeaders: [wangqu]', //             33
  'sla:', //                                       34
  '  escalateLeaderAfter: 1d', //                  35
  '  calendar:', //                                36
  '    holidays: [2026-10-01]', //                 37
  'sources:', //                                   38
  '  - id: renmin-liuyan', //                      39
  '    kind: liuyan', //                           40
  '    name: 人民网领导留言板', //                    41
  '    schedule: "*/30 * * * *"', //               42
  '    baseUrl: https://liuyan.people.com.cn', //  43
] as const

/** The valid config with some 1-based lines replaced. */
export function withLines(replacements: Record<number, string>): string {
  return `${VALID_LINES.map((line, index) => replacements[index + 1] ?? line).join('\n')}\n`
}

/** A fresh temp directory, removed by the returned cleanup. */
export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'lianxin-config-'))
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) }
}

/** Writes lianxin.yaml into `dir` and returns its path. */
export async function writeConfig(dir: string, content: string | Uint8Array, name = 'lianxin.yaml'): Promise<string> {
  const path = join(dir, name)
  await writeFile(path, content)
  return path
}

/** Runs `fn`, expecting a ConfigError; returns it with its typed details. */
export async function expectConfigError(fn: () => Promise<unknown>): Promise<ConfigError & { details: ConfigErrorDetails }> {
  try {
    await fn()
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError)
    const error = err as ConfigError & { details: ConfigErrorDetails }
    expect(error.exitCode).toBe(3)
    return error
  }
  throw new Error('expected a ConfigError, but nothing was thrown')
}
