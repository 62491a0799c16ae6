/**
 * Who is who: the district, the topic taxonomy, the "10+N" responsibility zones and
 * departments, the 兜底 fallback owner, the people and the two-level sign-off.
 * Cross-references between these lists are checked in ../cross-checks.ts.
 */
import { z } from 'zod'
import { emptyAsDefault, isTimeZone, slug, text, textList } from '../fields.js'

/** The seven first-level categories of the provincial petition system (names must match exactly). */
export const PROVINCIAL_TOPICS = ['城乡建设', '环境保护', '交通运输', '教育文体', '劳动和社会保障', '商贸旅游', '卫生计生'] as const

/** Topics a district needs on top of the provincial seven. */
export const DISTRICT_TOPICS = ['公共安全', '民政与社会救助', '供暖与公用事业', '农业农村', '政务与作风', '其他'] as const

/** The default taxonomy used when lianxin.yaml has no `topics` key. */
export const DEFAULT_TOPICS: readonly { name: string; description?: string }[] = [
  ...PROVINCIAL_TOPICS.map((name) => ({ name })),
  { name: '公共安全' },
  { name: '民政与社会救助' },
  { name: '供暖与公用事业', description: '水电气热' },
  { name: '农业农村' },
  { name: '政务与作风' },
  { name: '其他' },
]

/** Roles a user can hold. */
export const ROLES = ['staff', 'handler', 'bureau-head', 'supervising-leader', 'admin'] as const
export type Role = (typeof ROLES)[number]

/** Urgency levels, least urgent first. */
export const URGENCY_LEVELS = ['一般', '紧急', '特急'] as const
export type Urgency = (typeof URGENCY_LEVELS)[number]

/** Kinds of responsibility zone: 街道, 镇, 园区. */
export const ZONE_KINDS = ['street', 'town', 'park'] as const

export const districtSchema = z
  .object({
    /** Full name, e.g. 哈尔滨市平房区. */
    name: text,
    /** Six-digit administrative division code (GB/T 2260), e.g. "230108". */
    code: z.preprocess(
      (value) => (typeof value === 'number' ? String(value) : value),
      z.string({ error: 'expected the six-digit division code, e.g. "230108"' }).regex(/^\d{6}$/, { error: 'must be the six-digit division code, e.g. "230108"' }),
    ),
    /** IANA time zone used for SLA clocks, schedules and dates. */
    timezone: z
      .string({ error: 'expected a time zone such as "Asia/Shanghai"' })
      .refine(isTimeZone, { error: (issue) => `unknown time zone "${String(issue.input)}" (use an IANA name such as Asia/Shanghai)` })
      .default('Asia/Shanghai'),
  })
  .strict()

export const databaseSchema = z
  .object({
    /** `sqlite:path` (relative to the config file), `sqlite::memory:`, or a postgres:// / postgresql:// URL. */
    url: z
      .string({ error: 'expected a database URL' })
      .refine((url) => /^sqlite:.+/.test(url) || /^postgres(ql)?:\/\/.+/.test(url), {
        error: (issue) => `"${String(issue.input)}" must start with sqlite: (e.g. sqlite:lianxin.sqlite) or postgres:// / postgresql://`,
      })
      .optional(),
    /** PostgreSQL schema to use (ignored for SQLite). */
    schema: z
      .string({ error: 'expected a PostgreSQL schema name' })
      .regex(/^[a-z_][a-z0-9_]{0,62}$/, { error: 'must be a lower-case PostgreSQL identifier such as "lianxin"' })
      .optional(),
  })
  .strict()

export const topicSchema = z
  .object({
    name: text.max(20, { error: 'topic names are at most 20 characters' }),
    description: text.optional(),
    /** Extra words that point to this topic; the triage classifier may add them to its lexicon. */
    keywords: textList,
  })
  .strict()

export const communitySchema = z
  .object({
    /** 社区 / 村 name, e.g. 和平社区. */
    name: text,
    aliases: textList,
    /** 小区, 楼盘, 厂区 and landmarks inside the community, used to place a post. */
    estates: textList,
  })
  .strict()

export const zoneSchema = z
  .object({
    id: slug,
    name: text,
    kind: z.enum(ZONE_KINDS, { error: 'must be one of street, town, park' }),
    aliases: textList,
    communities: emptyAsDefault(z.array(communitySchema).default([])),
  })
  .strict()

export const departmentSchema = z
  .object({
    id: slug,
    /** Full name, e.g. 平房区城市管理局. */
    name: text,
    /** Short name people use, e.g. 城管. */
    short: text,
    aliases: textList,
    /** Topic names this department assists with. */
    topics: textList,
    /** Topic names for which this department leads instead of the zone (must also be in `topics`). */
    leads: textList,
    /** Zone ids it serves; absent = all zones. */
    zones: z.array(slug).optional(),
  })
  .strict()

export const fallbackSchema = z
  .object({
    id: slug,
    name: text,
  })
  .strict()

export const userSchema = z
  .object({
    /** Login name, e.g. zhangwei. */
    name: slug,
    displayName: text,
    roles: z.array(z.enum(ROLES, { error: `must be one of ${ROLES.join(', ')}` })).min(1, { error: 'give each user at least one role' }),
    zone: slug.optional(),
    department: slug.optional(),
    phone: z
      .string({ error: 'expected a phone number as text (quote it)' })
      .regex(/^\+?[0-9][0-9 -]{4,19}$/, { error: 'expected a phone number such as "0451-86501234" or "13800000000"' })
      .optional(),
  })
  .strict()

export const approvalSchema = z
  .object({
    /** Users who sign first (区信访局主要领导). */
    bureauHeads: emptyAsDefault(z.array(slug).default([])),
    /** Users who sign second (区主管领导). */
    supervisingLeaders: emptyAsDefault(z.array(slug).default([])),
    /** Let a bureau head's signature suffice for some low-urgency topics. Off by default. */
    skipLeader: emptyAsDefault(
      z
        .object({
          enabled: z.boolean({ error: 'expected true or false' }).default(false),
          topics: textList,
          maxUrgency: z.enum(URGENCY_LEVELS, { error: `must be one of ${URGENCY_LEVELS.join(', ')}` }).default('一般'),
        })
        .strict()
        .prefault({}),
    ),
  })
  .strict()
