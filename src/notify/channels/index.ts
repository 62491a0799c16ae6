/** One sender per channel kind. */
import type { Sender, SenderContext } from '../delivery.js'
import type { ChannelConfig, ChannelKind } from '../options.js'
import { createDingtalkSender } from './dingtalk.js'
import { createEmailSender } from './email.js'
import { createFeishuSender } from './feishu.js'
import { createWebhookSender } from './webhook.js'
import { createWecomSender } from './wecom.js'

export type SenderFactory = (channel: ChannelConfig, context?: Partial<SenderContext>) => Sender

export const SENDERS: Readonly<Record<ChannelKind, SenderFactory>> = {
  wecom: createWecomSender,
  dingtalk: createDingtalkSender,
  feishu: createFeishuSender,
  webhook: createWebhookSender,
  email: createEmailSender,
}

/**
 * The sender of a configured channel. Throws a ConfigError when the channel cannot work as
 * configured (no url, a secretEnv variable that is not set, invalid options).
 */
export function createSender(channel: ChannelConfig, context: Partial<SenderContext> = {}): Sender {
  return SENDERS[channel.kind](channel, context)
}

export { createDingtalkSender, judgeDingtalk, signDingtalk } from './dingtalk.js'
export { createEmailSender, judgeSmtpError } from './email.js'
export { createFeishuSender, judgeFeishu, signFeishu } from './feishu.js'
export { createWebhookSender, signWebhook, webhookHeaders } from './webhook.js'
export { createWecomSender, judgeWecom } from './wecom.js'
