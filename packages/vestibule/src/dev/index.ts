export { createDevMailbox, type DevMailboxOptions, type DevMailboxHandler } from './mailbox.ts';
