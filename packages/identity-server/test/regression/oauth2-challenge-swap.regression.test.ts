// The challenge a login accepts is the one its flow was started with: a `login_challenge` added to
// the submit URL (or body) by whoever crafts the form cannot make a victim's password login accept
// another OAuth2 request. Kratos reads the challenge from the stored flow only (login/hook.go).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { Browser, IDENTITY, startIdentity } from '../oauth2/support.ts';

type Body = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let hydra: Server;
let hydraURL: string;
const accepted: string[] = [];

before(async () => {
  hydra = createServer((req, res) => {
    const challenge = new URL(req.url!, 'http://hydra.admin').searchParams.get('login_challenge')!;
    res.setHeader('content-type', 'application/json');
    if (req.method === 'PUT') {
      accepted.push(challenge);
      res.end(JSON.stringify({ redirect_to: `http://hydra.test/resume/${challenge}` }));
      return;
    }
    res.end(JSON.stringify({ challenge, skip: false, subject: '', client: { client_id: 'rp' } }));
  });
  await new Promise<void>((resolve) => hydra.listen(0, '127.0.0.1', resolve));
  hydraURL = `http://127.0.0.1:${(hydra.address() as { port: number }).port}`;
});
after(() => new Promise<void>((resolve) => hydra.close(() => resolve())));

test("a login_challenge on the submit does not replace the flow's own", async () => {
  const { server } = await startIdentity({ oauth2_provider: { url: hydraURL } });
  try {
    const b = new Browser((r) => server.publicHandler(r));
    const flow = (await (
      await b.get(
        `${IDENTITY}/self-service/login/browser?login_challenge=victims`,
        'application/json',
      )
    ).json()) as Body;
    const csrf = flow.ui.nodes.find((n: Body) => n.attributes.name === 'csrf_token').attributes
      .value;
    const submitted = await b.post(`${flow.ui.action}&login_challenge=attackers`, {
      csrf_token: csrf,
      method: 'password',
      identifier: 'ada@example.com',
      password: 'correct horse battery',
      login_challenge: 'attackers',
    });
    assert.equal(submitted.status, 303);
    assert.equal(submitted.headers.get('location'), 'http://hydra.test/resume/victims');
    assert.deepEqual(accepted, ['victims']);
  } finally {
    await server.close();
  }
});
