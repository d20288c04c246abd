// What every handler gets: the frozen config, storage, identity schemas, password hashing and a clock.
// Built once in server.ts; tests build it with a fake clock and an in-memory database.
import type { KratosConfig } from './config/types.ts';
import type { Persister } from './persistence/types.ts';

/** A message as Kratos puts it on ui.messages / node.messages. Ids from shared/ory/elements/messages.en.json. */
export interface UIText {
  id: number;
  text: string;
  type: 'info' | 'error' | 'success';
  context?: Record<string, unknown>;
}

export interface UINode {
  type: 'input' | 'text' | 'img' | 'a' | 'script' | 'div';
  group: string;
  attributes: Record<string, unknown>;
  messages: UIText[];
  meta: { label?: UIText };
}

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

export interface Clock {
  now(): Date;
}

export interface ServerContext {
  config: KratosConfig;
  persister: Persister;
  schemas: IdentitySchemaRegistry;
  hasher: PasswordHasher;
  passwordPolicy: PasswordPolicy;
  clock: Clock;
  log: (
    level: 'debug' | 'info' | 'warn' | 'error',
    msg: string,
    fields?: Record<string, unknown>,
  ) => void;
}
