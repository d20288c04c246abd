// The in-memory persister the contract tests run on (test/support/memory-persister.ts) must keep the
// same Persister contract as the SQL backends, or those tests would pin behaviour the server does
// not have: it runs the same suite as persister.test.ts and real-postgres.test.ts.
import { createMemoryPersister } from '../support/memory-persister.ts';
import { persisterSuite } from './persister-suite.ts';

persisterSuite(() => Promise.resolve(createMemoryPersister()));
