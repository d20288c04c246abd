// Waiting for something the code under test does, instead of for time to pass.

/**
 * Resolves once `condition()` holds, checking again after each turn of the event loop (sockets
 * and timers run in between). No deadline of its own: a condition that never holds ends in the
 * test runner's timeout, never in a pass.
 */
export async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}
