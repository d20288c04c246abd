// Kratos flow.NewBrowserLocationChangeRequiredError: a JSON (SPA) client is told where the browser
// must go next, with 422 and `redirect_browser_to` beside the error.
import { KratosError } from '../../http/errors.ts';

export function browserLocationChangeRequired(to: string): KratosError {
  return new KratosError(422, 'browser location change required', {
    id: 'browser_location_change_required',
    reason: `In order to complete this flow please redirect the browser to: ${to}`,
    extra: { redirect_browser_to: to },
  });
}
