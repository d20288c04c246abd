// @vestibule/demo-app: the notes app that runs behind the Vestibule edge (`vestibule up`).
export { startDemoApp, type DemoAppOptions, type RunningDemoApp } from './server.ts';
export { createDemoHandler, type DemoDeps, type Profiles } from './routes.ts';
export { openDatabase } from './db.ts';
