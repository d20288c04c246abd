// Rule bypass via a missing trailing slash (HIGH): /admin fell past an /admin/* or /admin/** role rule
// to a later public rule, while Express serves /admin with the router mounted there. Fixed in
// 403eee2: a glob ending in * is checked against /admin/ too and refused as ambiguous.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRules } from '../../src/access/rules.ts';

test('rule bypass via a missing trailing slash: a glob ending in /* decides /admin too, not the rule after it', () => {
  for (const [protectedGlob, bare] of [
    ['/admin/*', '/admin'],
    ['/admin/**/*', '/admin/reports'],
    ['/api/*/items/*', '/api/v1/items'],
  ] as const) {
    const rules = compileRules([
      { path: protectedGlob, mode: 'role', roles: ['admin'] },
      { path: '/**', mode: 'public' },
    ]);
    const ambiguous = (path: string) => rules.ambiguous('GET', path, rules.match('GET', path));
    // Express (non-strict) serves /admin with the router mounted at /admin: it must not go public.
    assert.equal(ambiguous(bare), true, `${protectedGlob}: ${bare}`);
    assert.equal(ambiguous(`${bare}/`), false, `${protectedGlob}: ${bare}/`);
    assert.equal(ambiguous('/elsewhere'), false);
  }
});
