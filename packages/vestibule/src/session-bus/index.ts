export { createLocalSessionBus, type SessionBus, type SessionBusFactory } from './bus.ts';
export { applySessionEvent, parseSessionEvent, type SessionEvent } from './events.ts';
export {
  createPostgresSessionBus,
  type PostgresSessionBus,
  type PostgresSessionBusOptions,
} from './postgres.ts';
