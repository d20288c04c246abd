// Settings routes (Kratos selfservice/flow/settings/handler.go).
import type { ServerContext } from '../../driver/context.ts';
import type { Router } from '../../http/router.ts';
import { CSRFProtection } from '../flow/csrf.ts';
import { fetchSettingsFlow, initSettingsFlow } from './init.ts';
import { resumeSettings, submitSettings } from './submit.ts';

export function registerSettingsRoutes(
  router: Router,
  ctx: ServerContext,
  csrf: CSRFProtection = new CSRFProtection(ctx.config),
): void {
  router
    .on('GET', '/self-service/settings/browser', initSettingsFlow(ctx, csrf, 'browser'))
    .on('GET', '/self-service/settings/api', initSettingsFlow(ctx, csrf, 'api'))
    .on('GET', '/self-service/settings/flows', fetchSettingsFlow(ctx, csrf))
    .on('POST', '/self-service/settings', submitSettings(ctx, csrf))
    // The refresh login returns here; a remembered change is applied (Kratos registers GET too).
    .on('GET', '/self-service/settings', resumeSettings(ctx, csrf));
}
