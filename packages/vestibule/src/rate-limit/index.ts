export { addressBucket, clientAddress, countedAddress } from './client-address.ts';
export { createRateLimiters, type RateLimiters, type RateVerdict } from './limiter.ts';
export { formatRateSpec, parseRateSpec, type RateSpec } from './spec.ts';
