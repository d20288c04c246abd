// Cookie tossing into the login-loop guard: a sibling subdomain could plant
// vestibule_login_redirects=999 and turn every login redirect into the 'could not confirm your
// sign-in' page. Fixed in a3b2a9c: over https the counter is a __Host- cookie.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loginRedirectOrRefusal } from '../../src/access/login-redirect.ts';
import { headersOf, loginInput as input } from '../support/login-redirect-input.ts';

test('over https a counter planted without the __Host- prefix (cookie tossing from a subdomain) is ignored', () => {
  const tossed = headersOf({ cookie: 'vestibule_login_redirects=999' });
  const page = loginRedirectOrRefusal(input({ headers: tossed }));
  assert.equal(page.status, 303, 'still redirects to login');
  assert.match(String(page.headers['set-cookie']), /^__Host-vestibule_login_redirects=1;/);
});
