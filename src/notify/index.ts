/**
 * Notification delivery: render, route, rate-limit, merge, retry and report. See docs/notify.md.
 */
export {
  KIND_LABELS,
  LIMITS,
  NOTIFICATION_KINDS,
  assertNotification,
  carried,
  digestKey,
  formatTime,
  kindLabel,
  maxUrgency,
  renderDigest,
  renderDingtalk,
  renderEmail,
  renderFeishu,
  renderText,
  renderWebhook,
  renderWecom,
  type DingtalkMarkdown,
  type EmailContent,
  type FeishuCard,
  type KnownNotificationKind,
  type Notification,
  type NotificationKind,
  type People,
  type Person,
  type RenderOptions,
  type TicketRef,
  type WebhookPayload,
  type WecomMarkdown,
} from './message.js'
export { senderContext, type Attempt, type DeliveryResult, type NotifyLogger, type Sender, type SenderContext, type SendOptions } from './delivery.js'
export { channelOptions, channelOptionsSchema, resolveSecret, type ChannelConfig, type ChannelKind, type ChannelOptions } from './options.js'
export { SENDERS, createSender, signDingtalk, signFeishu, signWebhook, type SenderFactory } from './channels/index.js'
export { createNotifier, recipientsOn, wantsKind, type Notifier, type NotifierOptions } from './notifier.js'
export { SlidingWindow } from './rate-limit.js'
export { inertMarkdown, inertPlain, redact } from './text.js'
