/**
 * Where signed replies go (`publish`): the channels `lianxin replies publish` can use and the default
 * one. Each channel kind takes its own keys; ./cross-checks.ts reports a key the kind does not use,
 * and the keys a kind needs. docs/config.md and docs/publishing.md describe them.
 */
import { z } from 'zod'
import { emptyAsDefault, httpUrl, nonNegativeInt, positiveInt, slug, text } from '../fields.js'

/** Publishing channel kinds: files for staff, a signed webhook, or the board's back office in a browser. */
export const PUBLISH_KINDS = ['export', 'webhook', 'browser'] as const
export type PublishKind = (typeof PUBLISH_KINDS)[number]

/** The keys each kind uses besides id, kind and enabled; required ones are checked in cross-checks.ts. */
export const PUBLISH_KEYS: Record<PublishKind, readonly string[]> = {
  export: ['dir'],
  webhook: ['url', 'secret', 'secretEnv', 'timeoutMs', 'retries'],
  browser: ['url', 'username', 'passwordEnv', 'timeoutMs'],
}

const envName = (example: string) =>
  z
    .string({ error: 'expected an environment variable name' })
    .regex(/^[A-Z_][A-Z0-9_]*$/, { error: `must be an environment variable name such as ${example}` })

export const publishChannelSchema = z
  .object({
    id: slug,
    kind: z.enum(PUBLISH_KINDS, { error: `must be one of ${PUBLISH_KINDS.join(', ')}` }),
    enabled: z.boolean({ error: 'expected true or false' }).default(true),
    /** export: the directory the files are written to, relative to lianxin.yaml. */
    dir: text.optional(),
    /** webhook: the address to POST to; browser: the back office's base URL. */
    url: httpUrl.optional(),
    /** webhook: the HMAC secret written in the file; prefer secretEnv. */
    secret: text.optional(),
    /** webhook: the environment variable holding the HMAC secret. */
    secretEnv: envName('LIANXIN_PUBLISH_SECRET').optional(),
    /** browser: the back-office user name. */
    username: text.optional(),
    /** browser: the environment variable holding the back-office password. */
    passwordEnv: envName('LIANXIN_BACKOFFICE_PASSWORD').optional(),
    /** webhook: per-request timeout; browser: per-step timeout. @default 30000 */
    timeoutMs: positiveInt.max(600_000, { error: 'at most 600000 (10 minutes)' }).optional(),
    /** webhook: attempts after the first on 5xx, 408, 429 and network errors. @default 3 */
    retries: nonNegativeInt.max(10, { error: 'at most 10' }).optional(),
  })
  .strict()

export const publishSchema = z
  .object({
    channels: emptyAsDefault(z.array(publishChannelSchema).default([])),
    /** The channel `lianxin replies publish` uses when none is named. */
    default: slug.optional(),
  })
  .strict()

export type PublishConfig = z.infer<typeof publishSchema>
export type PublishChannelConfig = z.infer<typeof publishChannelSchema>
