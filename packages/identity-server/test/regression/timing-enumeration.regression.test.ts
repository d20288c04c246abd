// Issue 13: registration, login and recovery must cost the same for an identifier that exists and
// one that does not, or response times enumerate accounts. Login with an unknown identifier burns a
// comparison against a fake hash (Kratos strategy/password/login.go); registration hashes the
// password before it learns the address is taken; recovery runs the same path either way and only
// queues mail (delivery is the courier's, after the response).
//
// Measured as CPU time per in-process request (never wall-clock bounds), existing and unknown
// interleaved, bcrypt at cost 4. Each scenario also runs a *control*: the same comparison with the
// hashing skipped on one side — the bug this pins — which the test must see far outside the band,
// so a pass means "no difference", not "a test too blunt to see one".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PasswordHasher } from '../../src/driver/context.ts';
import {
  lifecycleSetup,
  registerIdentity,
  type Flow,
  type Lifecycle,
} from '../recovery/support.ts';
import { compareArms, type Arm, type Comparison } from './timing-support.ts';

const ROUNDS = 200;
const BAND: [number, number] = [0.67, 1.5];
/** A side that skips a bcrypt hash (about as costly as the rest of the request) costs ≥ 2×. */
const CONTROL_MIN_RATIO = 2;
const PASSWORD = 'correct horse battery staple';
const KNOWN = 'known@example.org';

function report(name: string, c: Comparison): void {
  const us = (x: number) => `${Math.round(x)}µs`;
  console.log(
    `${name}: existing ${us(c.medianA)} / unknown ${us(c.medianB)} = ${c.ratio.toFixed(2)}`,
  );
}

function assertInBand(name: string, c: Comparison): void {
  report(name, c);
  assert.ok(c.ratio >= BAND[0] && c.ratio <= BAND[1], `${name}: ratio ${c.ratio} outside ${BAND}`);
}

function assertControlDetected(name: string, c: Comparison): void {
  report(`${name} (control, hashing skipped on one side)`, c);
  const apart = Math.max(c.ratio, 1 / c.ratio);
  assert.ok(apart >= CONTROL_MIN_RATIO, `${name}: the control is only ${apart}× apart`);
}

async function setup(): Promise<{ life: Lifecycle; real: PasswordHasher }> {
  const life = await lifecycleSetup();
  await registerIdentity(life, KNOWN, PASSWORD);
  return { life, real: life.context.hasher };
}

async function newFlow(life: Lifecycle, kind: string): Promise<Flow> {
  return (await (await life.browser().request(`/self-service/${kind}/api`)).json()) as Flow;
}

function submit(life: Lifecycle, flow: Flow, json: Record<string, unknown>) {
  return () => life.browser().request(flow.ui.action, { method: 'POST', json });
}

test('login: a wrong password for an existing identifier costs what an unknown identifier costs', async () => {
  const { life, real } = await setup();
  const login = (arm: Arm) => async () => {
    const identifier = arm === 'a' ? KNOWN : 'nobody@example.org';
    const flow = await newFlow(life, 'login');
    return submit(life, flow, { method: 'password', identifier, password: 'not the password' });
  };
  assertInBand('login', await compareArms(life, { prepare: (arm) => login(arm)() }, ROUNDS));

  // Control: "identity not found" returns without the fake-hash comparison.
  const skipping: PasswordHasher = { ...real, dummyVerify: async () => {} };
  life.context.hasher = skipping;
  assertControlDetected(
    'login',
    await compareArms(life, { prepare: (arm) => login(arm)() }, ROUNDS),
  );
  life.context.hasher = real;
});

test('registration: an address already in use costs what a fresh address costs', async () => {
  const { life, real } = await setup();
  let fresh = 0;
  const register = async (arm: Arm) => {
    const email = arm === 'a' ? KNOWN : `fresh-${fresh++}@example.org`;
    const flow = await newFlow(life, 'registration');
    return submit(life, flow, { method: 'password', traits: { email }, password: PASSWORD });
  };
  assertInBand('registration', await compareArms(life, { prepare: register }, ROUNDS));

  // Control: the duplicate is detected before the password is hashed.
  const skipping: PasswordHasher = { ...real, hash: async () => '$2a$04$skipped' };
  const control = await compareArms(
    life,
    {
      async prepare(arm) {
        life.context.hasher = arm === 'a' ? skipping : real;
        return register(arm);
      },
    },
    ROUNDS,
  );
  life.context.hasher = real;
  assertControlDetected('registration', control);
});

test('recovery: an existing address costs what an unknown address costs', async () => {
  const { life } = await setup();
  let unknown = 0;
  const recover = async (arm: Arm) => {
    const email = arm === 'a' ? KNOWN : `nobody-${unknown++}@example.org`;
    return submit(life, await newFlow(life, 'recovery'), { method: 'code', email });
  };
  assertInBand('recovery', await compareArms(life, { prepare: recover }, ROUNDS));
});
