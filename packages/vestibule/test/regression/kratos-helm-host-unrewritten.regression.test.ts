// Kratos's in-cluster address shown to browsers: the default in-cluster host pattern missed the
// compose service `kratos` and a Helm release named kratos (kratos-public.<ns>.svc…), so those URLs
// reached the browser unrewritten. Fixed in 8105452; public look-alikes must still not match.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_IN_CLUSTER_HOST } from '../../src/proxy/options.ts';

test('default in-cluster pattern: Helm and compose service names, not public look-alikes', () => {
  for (const host of [
    'ory-kratos',
    'ory-kratos-public',
    'ory-kratos-public.auth.svc',
    'ory-kratos-public.auth.svc.cluster.local',
    // `helm install kratos ory/kratos` and the compose service name.
    'kratos',
    'kratos-public',
    'kratos-admin.auth.svc.cluster.local',
    'kratos-public.auth.svc',
  ]) {
    assert.ok(DEFAULT_IN_CLUSTER_HOST.test(host), host);
  }
  for (const host of [
    'ory-kratos.example.com',
    'kratos.example.com',
    'kratos.dev',
    'evil-ory-kratos',
    'evil-kratos',
    'mykratos',
    'ory-kratos.evil.com',
    'kratos-public.evil.com',
  ]) {
    assert.ok(!DEFAULT_IN_CLUSTER_HOST.test(host), host);
  }
});
