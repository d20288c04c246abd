// Open redirects through targets the pages choose: /logout?return_to=/.//evil.com answered 303
// Location: //evil.com (fixed in af35fb7, dot segments), and /\t/evil resolved to //evil in a browser
// (fixed in 68fe4f0, control characters in relative targets). The properties stay in redirect-safety.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { safeLocation } from '../../src/pages/context.ts';
import { safeReturnTo } from '../../src/pages/flow-errors.ts';
import { safeURL } from '../../src/pages/ui/safe-url.ts';

const ORIGIN = 'https://app.example';

test('open redirect via dot segments: /.//evil and /a/..//evil resolve to //evil and are refused', () => {
  for (const wanted of ['/.//evil.example', '/a/..//evil.example/x', '/%2e//evil.example']) {
    const page = new URL(`${ORIGIN}/logout`);
    page.searchParams.set('return_to', wanted);
    const target = safeReturnTo(page, '/fallback');
    assert.equal(new URL(target, page).origin, ORIGIN, `${wanted} → ${target}`);
    const location = safeLocation(wanted, '/fallback');
    assert.equal(new URL(location, page).origin, ORIGIN, `${wanted} → ${location}`);
    const href = safeURL(wanted, (u) => u, { allowDataImage: false });
    assert.ok(href === undefined || new URL(href, page).origin === ORIGIN, `${wanted} → ${href}`);
  }
});

test('open redirect via control characters: /\\t/evil and friends resolve to //evil and are refused', () => {
  // A browser's URL parser drops tab and newline anywhere and trims leading C0 controls and spaces.
  for (const wanted of [
    '/\t/evil.example',
    '/\n/evil.example',
    '/\r\n/evil.example/x',
    '\t//evil.example',
    ' //evil.example',
  ]) {
    const page = new URL(`${ORIGIN}/logout`);
    page.searchParams.set('return_to', wanted);
    const target = safeReturnTo(page, '/fallback');
    assert.equal(new URL(target, page).origin, ORIGIN, `${JSON.stringify(wanted)} → ${target}`);
    const location = safeLocation(wanted, '/fallback');
    assert.equal(new URL(location, page).origin, ORIGIN, `${JSON.stringify(wanted)} → ${location}`);
    const href = safeURL(wanted, (u) => u, { allowDataImage: false });
    assert.ok(
      href === undefined || new URL(href, page).origin === ORIGIN,
      `${JSON.stringify(wanted)} → ${href}`,
    );
  }
});
