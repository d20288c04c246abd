export * from './errors.ts';
export * from './respond.ts';
export * from './body.ts';
export * from './router.ts';
