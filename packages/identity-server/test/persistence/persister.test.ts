// The SQL persister on an in-memory PGlite (one instance for the file: PGlite starts slowly). The
// same suite runs on a real PostgreSQL server in real-postgres.test.ts.
import { openPersister } from '../../src/persistence/index.ts';
import { persisterSuite } from './persister-suite.ts';

persisterSuite(() => openPersister('memory'));
