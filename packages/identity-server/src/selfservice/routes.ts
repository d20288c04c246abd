// Every public self-service route, mounted on the public router by server.ts.
import type { ServerContext } from '../driver/context.ts';
import type { Router } from '../http/router.ts';
import { CSRFProtection } from './flow/csrf.ts';
import { registerErrorRoutes } from './errors/routes.ts';
import { registerLoginRoutes } from './login/routes.ts';
import { registerLogoutRoutes } from './logout/routes.ts';
import { registerRegistrationRoutes } from './registration/routes.ts';
import { registerRecoveryRoutes } from './recovery/routes.ts';
import { registerSettingsRoutes } from './settings/routes.ts';
import { registerVerificationRoutes } from './verification/routes.ts';

export function registerSelfServiceRoutes(router: Router, ctx: ServerContext): CSRFProtection {
  const csrf = new CSRFProtection(ctx.config);
  registerLoginRoutes(router, ctx, csrf);
  registerRegistrationRoutes(router, ctx, csrf);
  registerLogoutRoutes(router, ctx, csrf);
  registerErrorRoutes(router, ctx);
  registerRecoveryRoutes(router, ctx, csrf);
  registerVerificationRoutes(router, ctx, csrf);
  registerSettingsRoutes(router, ctx, csrf);
  return csrf;
}
