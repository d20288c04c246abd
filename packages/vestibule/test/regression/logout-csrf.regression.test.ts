// Logout CSRF: /logout ended the session on any GET, so an <img src=/logout> in user content, a
// fetch, an iframe or a link on another site signed people out. Fixed in 4424cec: only a top-level
// navigation from this site logs out at once; anything else gets a one-click confirmation.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FIXTURE_KRATOS, getPage, json, makePages, stubKratos } from '../support/pages-fixtures.ts';

test('anything but a top-level navigation from this site gets a one-click confirmation (logout CSRF)', async () => {
  const { fetch } = stubKratos(() =>
    json(200, { logout_url: `${FIXTURE_KRATOS}/self-service/logout?token=t0k` }),
  );
  const forged: Array<[string, Record<string, string>]> = [
    [
      'a link on another site',
      {
        'sec-fetch-site': 'cross-site',
        'sec-fetch-mode': 'navigate',
        'sec-fetch-dest': 'document',
      },
    ],
    [
      'a sibling subdomain',
      {
        'sec-fetch-site': 'same-site',
        'sec-fetch-mode': 'navigate',
        'sec-fetch-dest': 'document',
      },
    ],
    [
      '<img src="/logout"> in user content',
      { 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'image' },
    ],
    [
      'a same-origin fetch',
      { 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'cors', 'sec-fetch-dest': 'empty' },
    ],
    [
      'an iframe',
      {
        'sec-fetch-site': 'same-origin',
        'sec-fetch-mode': 'navigate',
        'sec-fetch-dest': 'iframe',
      },
    ],
    ['no Fetch Metadata (plain http, old browser)', {}],
  ];
  for (const [what, headers] of forged) {
    const res = await getPage(makePages(fetch).pages, '/logout', {
      cookie: 'ory_kratos_session=s',
      ...headers,
    });
    assert.equal(res.status, 200, what);
    assert.equal(res.headers.get('location'), null, what);
    // The button goes straight to Kratos's logout URL (its token), so the click always works.
    assert.match(
      await res.text(),
      /href="http:\/\/localhost:4000\/api\/ory\/self-service\/logout\?token=t0k"/,
      what,
    );
  }
  const typed = await getPage(makePages(fetch).pages, '/logout', {
    cookie: 'ory_kratos_session=s',
    'sec-fetch-site': 'none',
    'sec-fetch-mode': 'navigate',
    'sec-fetch-dest': 'document',
  });
  assert.equal(typed.status, 303, 'typed into the address bar');
});
