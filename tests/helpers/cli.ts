import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect } from 'vitest'

const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url))

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
  /** stdout parsed as JSON (for --json runs). */
  json<T = Record<string, unknown>>(): T
}

/**
 * Runs the built CLI (`npm test` builds first) as a person would, in its own process, with a
 * clean environment apart from what the test passes.
 */
export function runCli(args: string[], options: { cwd: string; env?: Record<string, string>; input?: string; timeoutMs?: number }): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({
        code,
        stdout,
        stderr,
        json<T>() {
          return JSON.parse(stdout) as T
        },
      })
    })
    child.stdin.end(options.input ?? '')
  })
}

/**
 * The CLI as a person uses it in a work directory (its lianxin.yaml, the environment `env` gives):
 * `cli` runs a command, `ok` one that must succeed with `--json` and returns its JSON, `text` one
 * that must succeed and returns what it printed for people.
 */
export function cliIn(
  dir: () => string,
  env: () => Record<string, string>,
): { cli(...args: string[]): Promise<CliResult>; ok(...args: string[]): Promise<Record<string, unknown>>; text(...args: string[]): Promise<string> } {
  const cli = (...args: string[]): Promise<CliResult> => runCli([...args, '--config', join(dir(), 'lianxin.yaml')], { cwd: dir(), env: env(), timeoutMs: 120_000 })
  return {
    cli,
    async ok(...args) {
      const res = await cli(...args, '--json')
      expect(res.code, `${args.join(' ')}: ${res.stderr}${res.stdout}`).toBe(0)
      return res.json()
    },
    async text(...args) {
      const res = await cli(...args)
      expect(res.code, `${args.join(' ')}: ${res.stderr}`).toBe(0)
      return res.stdout
    },
  }
}

