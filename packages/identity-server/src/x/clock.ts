// The injected time source (Kratos keeps such cross-cutting helpers in x/). Tests pass a fake clock,
// so anything with an expiry is tested without sleeping.
export interface Clock {
  now(): Date;
}
