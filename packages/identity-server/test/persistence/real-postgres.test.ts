// The identity server on a real PostgreSQL server by DSN (issue 2 "a real PostgreSQL by DSN"): the
// persister contract, migrations, and the server over HTTP — register, login, whoami, restart —
// with true parallelism (a pool of connections, unlike PGlite's single one). The server is a
// throwaway cluster (test/support/postgres.ts); without the binaries this fails in CI and is
// skipped elsewhere with a notice.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { startPostgres } from '../../../../test/support/postgres.ts';
import { defaultConfig } from '../../src/config/index.ts';
import { MIGRATION_NAMES, openPersister } from '../../src/persistence/index.ts';
import { createIdentityServer } from '../../src/server.ts';
import { embeddedOverrides } from '../contract/harness.ts';
import { persisterSuite } from './persister-suite.ts';

const server = await startPostgres();
after(() => server?.stop());
const skip = server ? false : 'no PostgreSQL server binaries (see the notice above)';

describe('the SQL persister contract on a real PostgreSQL server', { skip }, () => {
  persisterSuite(async () => {
    const persister = await openPersister(await server!.createDatabase('persister_suite'));
    assert.equal(persister.kind, 'postgres');
    return persister;
  });
});

/** A running identity server on `dsn` with free ports; fast bcrypt. */
async function start(dsn: string) {
  const config = defaultConfig(await embeddedOverrides({ dsn }));
  const identity = await createIdentityServer({ config, log: () => {} });
  const listening = await identity.listen();
  const base = listening.publicURL;
  return {
    base,
    async close() {
      await listening.close();
      await identity.close();
    },
  };
}

async function apiFlow(base: string, kind: 'registration' | 'login'): Promise<string> {
  const res = await fetch(`${base}/self-service/${kind}/api`);
  assert.equal(res.status, 200);
  const action = new URL(((await res.json()) as { ui: { action: string } }).ui.action);
  return `${base}${action.pathname}${action.search}`;
}

const post = (url: string, body: unknown) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
  });

interface WhoamiBody {
  identity: { id: string; traits: { email: string } };
  authentication_methods: Array<{ method: string }>;
}

async function whoami(base: string, token: string) {
  const res = await fetch(`${base}/sessions/whoami`, { headers: { 'x-session-token': token } });
  return { status: res.status, body: (await res.json()) as WhoamiBody };
}

test(
  'the identity server on PostgreSQL by DSN: migrations, register, login, whoami, and a restart loses nothing',
  { skip },
  async () => {
    const dsn = await server!.createDatabase('identity_server');
    const first = await start(dsn);
    let registered: { session_token: string; identity: { id: string } };
    let loginToken: string;
    try {
      const reg = await post(await apiFlow(first.base, 'registration'), {
        method: 'password',
        traits: { email: 'pg-user@example.com', name: { first: 'Post', last: 'Gres' } },
        password: 'a passphrase for postgres',
      });
      assert.equal(reg.status, 200);
      registered = (await reg.json()) as typeof registered;

      const login = await post(await apiFlow(first.base, 'login'), {
        method: 'password',
        identifier: 'PG-USER@example.com',
        password: 'a passphrase for postgres',
      });
      assert.equal(login.status, 200);
      loginToken = ((await login.json()) as { session_token: string }).session_token;

      const wrong = await post(await apiFlow(first.base, 'login'), {
        method: 'password',
        identifier: 'pg-user@example.com',
        password: 'not the passphrase',
      });
      assert.equal(wrong.status, 400);
      assert.match(JSON.stringify(await wrong.json()), /4000006/);

      const me = await whoami(first.base, loginToken);
      assert.equal(me.status, 200);
      assert.equal(me.body.identity.id, registered.identity.id);
      assert.equal(me.body.identity.traits.email, 'pg-user@example.com');
      assert.equal(me.body.authentication_methods[0]?.method, 'password');
    } finally {
      await first.close();
    }

    // Every migration ran exactly once, in order, and a restart on the same database re-runs none.
    const client = new pg.Client({ connectionString: dsn });
    await client.connect();
    const migrations = async () =>
      (
        await client.query<{ name: string }>(
          'select name from identity_server_migrations order by name',
        )
      ).rows;
    try {
      assert.deepEqual(
        (await migrations()).map((r) => r.name),
        [...MIGRATION_NAMES].sort(),
      );
      const second = await start(dsn);
      try {
        assert.equal((await migrations()).length, MIGRATION_NAMES.length);
        for (const token of [registered.session_token, loginToken]) {
          const me = await whoami(second.base, token);
          assert.equal(me.status, 200, 'sessions survive the restart');
          assert.equal(me.body.identity.id, registered.identity.id);
        }
        const again = await post(await apiFlow(second.base, 'login'), {
          method: 'password',
          identifier: 'pg-user@example.com',
          password: 'a passphrase for postgres',
        });
        assert.equal(again.status, 200, 'credentials survive the restart');
        assert.equal((await whoami(second.base, 'ory_st_unknown')).status, 401);
      } finally {
        await second.close();
      }
    } finally {
      await client.end();
    }
  },
);

test(
  'on PostgreSQL, parallel submits of one flow give one session and one email registers once',
  { skip },
  async () => {
    const target = await start(await server!.createDatabase('concurrency'));
    try {
      const url = await apiFlow(target.base, 'registration');
      const submits = await Promise.all(
        Array.from({ length: 6 }, () =>
          post(url, {
            method: 'password',
            traits: { email: 'race@example.com' },
            password: 'a passphrase for the race',
          }),
        ),
      );
      assert.deepEqual(
        submits.map((r) => r.status).filter((s) => s === 200),
        [200],
        'exactly one submit of one flow succeeds',
      );

      // Distinct flows racing for one identifier: the unique index lets one win; the rest get 4000007.
      const flows = await Promise.all(
        Array.from({ length: 4 }, () => apiFlow(target.base, 'registration')),
      );
      const racers = await Promise.all(
        flows.map((flowURL) =>
          post(flowURL, {
            method: 'password',
            traits: { email: 'Twice@example.com' },
            password: 'another long passphrase',
          }),
        ),
      );
      const statuses = racers.map((r) => r.status).sort();
      assert.deepEqual(statuses, [200, 400, 400, 400]);
      for (const r of racers.filter((x) => x.status === 400)) {
        assert.match(JSON.stringify(await r.json()), /4000007/);
      }
    } finally {
      await target.close();
    }
  },
);

test(
  'on PostgreSQL, an idle connection the server terminates is logged, not a crash; the next request reconnects',
  { skip },
  async () => {
    const dsn = await server!.createDatabase('terminated');
    const warnings: string[] = [];
    const config = defaultConfig(await embeddedOverrides({ dsn }));
    const identity = await createIdentityServer({
      config,
      log: (level, msg) => {
        if (level === 'warn') warnings.push(msg);
      },
    });
    const listening = await identity.listen();
    const admin = new pg.Client({ connectionString: dsn });
    await admin.connect();
    try {
      assert.equal((await fetch(`${listening.publicURL}/health/ready`)).status, 200);
      // Wait for the server's own connections to report the termination (an event, not a timer).
      const terminated = new Promise<void>((resolve) => {
        const check = () => (warnings.length ? resolve() : setImmediate(check));
        check();
      });
      const { rows } = await admin.query<{ n: number }>(
        `select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
       where datname = current_database() and pid <> pg_backend_pid()`,
      );
      assert.ok(rows[0]!.n >= 1, 'the identity server held idle connections');
      await terminated;
      assert.match(warnings[0]!, /idle connection failed/);
      assert.equal((await fetch(`${listening.publicURL}/health/ready`)).status, 200);
    } finally {
      await admin.end();
      await listening.close();
      await identity.close();
    }
  },
);
