import type { Notification, Person } from '../../src/notify/message.js'

/** Users as in the Pingfang profile (phones made up). */
export const PEOPLE: Person[] = [
  { name: 'zhangwei', displayName: '张伟' },
  { name: 'lina', displayName: '李娜', phone: '13800000001' },
  { name: 'chenqiang', displayName: '陈强' },
  { name: 'liuju', displayName: '刘局长', phone: '13800000004' },
  { name: 'wangqu', displayName: '王副区长', phone: '13800000005' },
]

/** A clock that only moves when slept on: `sleep(ms)` advances it at once and records the wait. */
export function fakeTime(start = '2026-11-28T08:00:00.000Z') {
  let t = Date.parse(start)
  const sleeps: number[] = []
  return {
    now: () => new Date(t),
    ms: () => t,
    sleeps,
    sleep: async (ms: number) => {
      sleeps.push(ms)
      t += ms
    },
    advance(ms: number) {
      t += ms
    },
  }
}

/** A reply-clock breach on ticket `id`, for the bureau head and the supervising leader. */
export function breach(id: number, overrides: Partial<Notification> = {}): Notification {
  return {
    key: `clock:${id}:reply:breach`,
    kind: 'clock-breach',
    urgency: '特急',
    title: '一旬答复已超时 2 天',
    ticket: {
      id,
      title: `宝融福园${id}号楼供暖不热`,
      status: '办理中',
      zone: '兴建街道',
      lead: '平房区物业管理办公室',
      url: `https://lianxin.pingfang.example/tickets/${id}`,
    },
    lines: ['受理：2026-11-16 09:12', '答复时限：2026-11-26 09:12（已超 2 天）', '承办人：李娜'],
    action: `请督促承办单位今日内答复：\`lianxin ticket show ${id}\``,
    cues: ['老人', '停暖'],
    at: '2026-11-28T08:00:00.000Z',
    recipients: ['liuju', 'wangqu'],
    ...overrides,
  }
}

/** A silent logger that keeps what it was told. */
export function memoryLogger() {
  const lines: Array<{ level: string; obj: object; msg: string }> = []
  return {
    lines,
    debug: (obj: object, msg: string) => void lines.push({ level: 'debug', obj, msg }),
    info: (obj: object, msg: string) => void lines.push({ level: 'info', obj, msg }),
    warn: (obj: object, msg: string) => void lines.push({ level: 'warn', obj, msg }),
  }
}
