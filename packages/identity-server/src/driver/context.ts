// What every handler gets (Kratos's driver.Registry): the frozen config, storage, identity schemas,
// password hashing, a clock, the courier and the continuity store. Built once by context-factory.ts;
// tests build it with a fake clock and an in-memory database. The contracts the schema and hash
// folders implement live here too, so this folder imports only the layers below it.
import type { KratosConfig } from '../config/types.ts';
import type { ContinuityStore } from '../continuity/store.ts';
import type { Courier } from '../courier/courier.ts';
import type { Persister } from '../persistence/types.ts';
import type { UIText } from '../text/index.ts';
import type { UINode } from '../ui/node.ts';
import type { Clock } from '../x/clock.ts';
import type { Logger } from '../x/log.ts';

export type { Clock, Logger, UINode, UIText };

/** A schema validation problem, mapped to the trait path it concerns (e.g. "traits.email"). */
export interface TraitError {
  /** Node name the message belongs on, e.g. "traits.email"; "" for the whole form. */
  name: string;
  message: UIText;
}

export interface IdentitySchema {
  id: string;
  /** The raw JSON schema (served by GET /schemas/{id}). */
  raw: Record<string, unknown>;
  /** Trait inputs in schema order, named traits.<path>, labelled by `title`, typed by format/type. */
  traitNodes(options: { group: string; values?: Record<string, unknown> }): UINode[];
  validateTraits(traits: unknown): TraitError[];
  /** Values of traits marked ory.sh/kratos.credentials.password.identifier, lower-cased when format email. */
  passwordIdentifiers(traits: Record<string, unknown>): string[];
  /** Addresses to verify / recover by (ory.sh/kratos.verification.via and recovery.via). */
  verificationAddresses(
    traits: Record<string, unknown>,
  ): Array<{ value: string; via: 'email' | 'sms' }>;
  recoveryAddresses(
    traits: Record<string, unknown>,
  ): Array<{ value: string; via: 'email' | 'sms' }>;
}

export interface IdentitySchemaRegistry {
  defaultId: string;
  get(id: string): IdentitySchema | undefined;
  list(): IdentitySchema[];
}

export interface PasswordHasher {
  /** Returns a PHC / modular-crypt string ($2a$… bcrypt, $argon2id$…) that real Kratos can import. */
  hash(password: string): Promise<string>;
  /** Verifies against any supported imported format (bcrypt, argon2, pbkdf2, scrypt). */
  verify(password: string, hashed: string): Promise<boolean>;
  /** True when the stored hash is not in the configured algorithm/cost and should be rehashed on login. */
  needsRehash(hashed: string): boolean;
  /** Burns comparable time when the identifier is unknown, so login timing does not reveal it. */
  dummyVerify(password: string): Promise<void>;
}

export interface PasswordPolicy {
  /** Returns the Kratos UI error (4000005 family / 4000031 / 4000032) or undefined when acceptable. */
  check(password: string, identifiers: string[]): Promise<UIText | undefined>;
}

export interface ServerContext {
  config: KratosConfig;
  persister: Persister;
  schemas: IdentitySchemaRegistry;
  hasher: PasswordHasher;
  passwordPolicy: PasswordPolicy;
  clock: Clock;
  log: Logger;
  /** Queues and delivers the recovery and verification mails (Kratos's courier). */
  courier: Courier;
  /** Settings changes waiting for a re-authentication (Kratos's continuity manager). */
  continuity: ContinuityStore;
}
