// Kratos itself: reachable, one version, admin API private, and its URLs pointing at the edge (the
// runbook's "mailed link names Kratos's host", "redirected to 4455", "return_to rejected" pages).
import {
  fail,
  ok,
  originOf,
  publicOrigin,
  skip,
  warn,
  type Check,
  type DoctorFacts,
} from './facts.ts';

const kratosPublicReachable: Check = {
  id: 'kratos.public-reachable',
  title: 'Kratos public API',
  run(facts) {
    const probe = facts.live?.kratosPublic;
    const url = facts.edge.kratos.public_url;
    if (!probe) return skip('not probed (--offline)');
    if (probe.ok) return ok(`answers at ${url}${probe.version ? ` (${probe.version})` : ''}`);
    return fail(
      `no answer from ${url} (${probe.error})`,
      'Start Kratos, or set kratos.public_url (VESTIBULE_KRATOS_PUBLIC_URL) to where the edge reaches it.',
    );
  },
};

const kratosAdminReachable: Check = {
  id: 'kratos.admin-reachable',
  title: 'Kratos admin API',
  run(facts) {
    const url = facts.edge.kratos.admin_url;
    if (!url) {
      return warn(
        'kratos.admin_url is not set: the users/sessions commands and the role check cannot reach Kratos',
        'Set kratos.admin_url (VESTIBULE_KRATOS_ADMIN_URL) to the in-cluster admin URL.',
      );
    }
    const probe = facts.live?.kratosAdmin;
    if (!probe) return skip('not probed (--offline)');
    if (probe.ok) return ok(`answers at ${url}${probe.version ? ` (${probe.version})` : ''}`);
    return fail(
      `no answer from ${url} (${probe.error})`,
      'Start Kratos, or set kratos.admin_url to where its admin API listens (port 4434 by default).',
    );
  },
};

const kratosVersions: Check = {
  id: 'kratos.versions',
  title: 'Kratos versions',
  run(facts) {
    const p = facts.live?.kratosPublic.version;
    const a = facts.live?.kratosAdmin.version;
    if (!p || !a) return skip('a version is unknown');
    if (p !== a) {
      return fail(
        `the public API runs ${p} but the admin API runs ${a}`,
        'Point kratos.public_url and kratos.admin_url at the same Kratos deployment.',
      );
    }
    return ok(`public and admin both ${p}`);
  },
};

const kratosAdminPrivate: Check = {
  id: 'kratos.admin-private',
  title: 'admin API not public',
  run(facts) {
    const exposed = facts.live?.adminExposedAt;
    if (!exposed) return skip('not probed (--offline)');
    if (exposed.length > 0) {
      return fail(
        `Kratos's admin API answers from the public side at ${exposed.join(', ')}`,
        "Keep Kratos's admin port off the public host (bind it to the cluster network or 127.0.0.1).",
      );
    }
    return ok('the admin API does not answer on the public host or through the proxy');
  },
};

export function expectedBaseURL(facts: DoctorFacts): string {
  return `${facts.edge.server.public_url}${facts.edge.proxy.prefix}/`;
}

const kratosBaseURL: Check = {
  id: 'kratos.base-url',
  title: 'serve.public.base_url',
  run(facts) {
    const actual = facts.kratos.publicBaseURL;
    const expected = expectedBaseURL(facts);
    if (!actual) return skip('serve.public.base_url unknown (pass --kratos-config kratos.yml)');
    if (actual.replace(/\/*$/, '/') !== expected) {
      return fail(
        `serve.public.base_url is ${actual}: links Kratos mails (recovery, verification) would name that host`,
        `Set serve.public.base_url: ${expected} in kratos.yml.`,
      );
    }
    return ok(`is the edge's proxy (${expected})`);
  },
};

const kratosUIURLs: Check = {
  id: 'kratos.ui-urls',
  title: 'self-service UI URLs',
  run(facts) {
    const entries = Object.entries(facts.kratos.uiURLs);
    if (entries.length === 0) return skip('no ui_url known (pass --kratos-config kratos.yml)');
    const origin = publicOrigin(facts);
    const off = entries.filter(([, url]) => originOf(url) !== origin);
    if (off.length > 0) {
      const named = off.map(
        ([flow, url]) => `${flow === 'error' ? 'error' : `flows.${flow}`}.ui_url ${url}`,
      );
      return fail(
        `${named.join(', ')} not on the edge (${origin})`,
        `Set every selfservice.flows.*.ui_url to ${origin}/<flow> (login, registration, recovery, verification, settings, error).`,
      );
    }
    return ok(`${entries.map(([f]) => f).join(', ')} on ${origin}`);
  },
};

const kratosReturnURLs: Check = {
  id: 'kratos.return-urls',
  title: 'return URLs include the edge',
  run(facts) {
    const { defaultReturnURL, allowedReturnURLs } = facts.kratos;
    if (!defaultReturnURL && !allowedReturnURLs) return skip('return URLs unknown');
    const origin = publicOrigin(facts);
    if (defaultReturnURL && originOf(defaultReturnURL) !== origin) {
      return fail(
        `default_browser_return_url ${defaultReturnURL} is not on ${origin}`,
        `Set selfservice.default_browser_return_url to ${origin}/.`,
      );
    }
    if (allowedReturnURLs && !allowedReturnURLs.some((u) => originOf(u) === origin)) {
      return fail(
        `allowed_return_urls does not include ${origin}: Kratos rejects return_to on the edge`,
        `Add ${origin}/ to selfservice.allowed_return_urls.`,
      );
    }
    return ok(`default and allowed return URLs on ${origin}`);
  },
};

const kratosForeignReturnURLs: Check = {
  id: 'kratos.foreign-return-urls',
  title: 'no foreign return URL',
  run(facts) {
    const allowed = facts.kratos.allowedReturnURLs;
    if (!allowed) return skip('allowed_return_urls unknown');
    const origin = publicOrigin(facts);
    // Native-app callbacks (exp://, myapp://) are not web origins an attacker can host.
    const foreign = allowed.filter((u) => /^https?:/i.test(u) && originOf(u) !== origin);
    if (foreign.length > 0) {
      return fail(
        `allowed_return_urls lets Kratos redirect to ${foreign.join(', ')} (an open redirect after login)`,
        `Remove every allowed_return_urls entry that is not on ${origin}.`,
      );
    }
    return ok('every allowed return URL is on the edge');
  },
};

const verificationUI: Check = {
  id: 'email.verification-ui',
  title: 'verification UI',
  run(facts) {
    const enabled = facts.kratos.verificationEnabled;
    if (enabled === undefined) return skip('verification settings unknown');
    if (!enabled) return ok('verification is off');
    if (!facts.kratos.uiURLs.verification) {
      return fail(
        'verification is enabled without flows.verification.ui_url: mailed codes lead nowhere',
        `Set selfservice.flows.verification.ui_url: ${publicOrigin(facts)}/verification.`,
      );
    }
    return ok(`verification UI at ${facts.kratos.uiURLs.verification}`);
  },
};

const smtpReachable: Check = {
  id: 'email.smtp-reachable',
  title: "courier's SMTP server",
  run(facts) {
    const uri = facts.kratos.smtpURI;
    if (uri === undefined) return skip('courier.smtp.connection_uri unknown');
    if (uri === '') return ok('no SMTP server configured: mail goes to the dev mailbox');
    const probe = facts.live?.smtp;
    if (!probe) return skip('not probed (--offline)');
    if (!probe.ok) {
      return fail(
        `SMTP server ${probe.address} does not accept connections (${probe.error})`,
        'Fix courier.smtp.connection_uri or start the mail server: recovery and verification mail is stuck.',
      );
    }
    return ok(`SMTP server ${probe.address} accepts connections`);
  },
};

export const KRATOS_CHECKS: readonly Check[] = [
  kratosPublicReachable,
  kratosAdminReachable,
  kratosVersions,
  kratosAdminPrivate,
  kratosBaseURL,
  kratosUIURLs,
  kratosReturnURLs,
  kratosForeignReturnURLs,
  verificationUI,
  smtpReachable,
];
