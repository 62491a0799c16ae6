/**
 * The one schema for lianxin.yaml. Every object is strict (an unknown key is an error, so a
 * typo never silently turns a setting off), defaults are applied here, and cross-references
 * are checked in ./cross-checks.ts. docs/config.md documents every key.
 */
import { z } from 'zod'
import { crossCheck } from './cross-checks.js'
import { emptyAsDefault } from './fields.js'
import { crawlSchema, daemonSchema, notifySchema, slaSchema, sourceSchema } from './sections/operations.js'
import {
  DEFAULT_TOPICS,
  approvalSchema,
  databaseSchema,
  departmentSchema,
  districtSchema,
  fallbackSchema,
  topicSchema,
  userSchema,
  zoneSchema,
} from './sections/organisation.js'
import { publishSchema } from './sections/publishing.js'

export { parseDuration } from './duration.js'
export { CHANNEL_KINDS, CLOCK_BASES, CLOCK_NAMES, SOURCE_KINDS, type ClockName } from './sections/operations.js'
export { PUBLISH_KINDS, type PublishChannelConfig, type PublishConfig, type PublishKind } from './sections/publishing.js'
export { DEFAULT_TOPICS, DISTRICT_TOPICS, PROVINCIAL_TOPICS, ROLES, URGENCY_LEVELS, ZONE_KINDS, type Role, type Urgency } from './sections/organisation.js'

/** The config file format version this lianxin understands. */
export const CONFIG_VERSION = 1

/** The whole of lianxin.yaml. Parse with `parseConfig` (src/config/load.ts) to get located errors. */
export const lianxinConfigSchema = z
  .object({
    version: z.literal(CONFIG_VERSION, { error: `must be ${CONFIG_VERSION} (the config format this lianxin understands)` }),
    district: districtSchema,
    database: emptyAsDefault(databaseSchema.prefault({})),
    topics: z.array(topicSchema).min(1, { error: 'list at least one topic' }).default(() => DEFAULT_TOPICS.map((topic) => ({ ...topic, keywords: [] }))),
    zones: z.array(zoneSchema).min(1, { error: 'list the responsibility zones (the "10" of 10+N)' }),
    departments: emptyAsDefault(z.array(departmentSchema).default([])),
    fallback: fallbackSchema,
    users: z.array(userSchema).min(1, { error: 'list at least the bureau head and the supervising leader' }),
    approval: emptyAsDefault(approvalSchema.prefault({})),
    sla: emptyAsDefault(slaSchema.prefault({})),
    crawl: emptyAsDefault(crawlSchema.prefault({})),
    sources: emptyAsDefault(z.array(sourceSchema).default([])),
    notify: emptyAsDefault(notifySchema.prefault({})),
    daemon: emptyAsDefault(daemonSchema.prefault({})),
    publish: emptyAsDefault(publishSchema.prefault({})),
  })
  .strict()
  // Runs even when fields above failed, so one run reports every problem.
  .superRefine((config, ctx) => crossCheck(config, ctx), { when: () => true })

/** lianxin.yaml after validation, with every default filled in. */
export type LianxinConfig = z.infer<typeof lianxinConfigSchema>
/** What may be written in lianxin.yaml (defaults not yet applied). */
export type LianxinConfigInput = z.input<typeof lianxinConfigSchema>

export type Topic = LianxinConfig['topics'][number]
export type Zone = LianxinConfig['zones'][number]
export type Community = Zone['communities'][number]
export type Department = LianxinConfig['departments'][number]
export type User = LianxinConfig['users'][number]
export type Source = LianxinConfig['sources'][number]
export type SourceKind = Source['kind']
export type NotifyChannel = LianxinConfig['notify']['channels'][number]
export type SlaConfig = LianxinConfig['sla']
export type CrawlConfig = LianxinConfig['crawl']
