export * from './templates.ts';
export * from './smtp.ts';
export * from './dev-mailbox.ts';
export * from './courier.ts';
export * from './admin-routes.ts';
