import { CaseCommand } from '../../src/cli/case-command.js'
import { width } from '../../src/tickets/board.js'
import { listKeys, listPeople, type Person } from '../../src/store/people.js'

export interface UserRow extends Person {
  /** Registered keys not revoked. */
  activeKeys: number
}

export default class UsersList extends CaseCommand<typeof UsersList> {
  static override summary = 'List the people, their roles and their registered keys.'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  public async run(): Promise<{ users: UserRow[] }> {
    const users = await this.withCase(async ({ store }) => {
      const keys = await listKeys(store)
      return (await listPeople(store)).map((p) => ({ ...p, activeKeys: keys.filter((k) => k.person === p.name && k.revokedAt === null).length }))
    })
    for (const u of users) {
      const name = `${u.displayName} (${u.name})`
      this.log(`${name}${' '.repeat(Math.max(1, 24 - width(name)))}${u.roles.join(', ').padEnd(28)} ${(u.zoneId ?? u.departmentId ?? '').padEnd(12)} keys ${u.activeKeys}${u.revokedAt ? `  REVOKED ${u.revokedAt}` : ''}`)
    }
    return { users }
  }
}
