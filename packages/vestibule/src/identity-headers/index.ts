// The signed identity-header contract between the edge and the app: names, encoding, signing,
// verification and the nonce replay cache (see docs/identity-headers.md).
export * from './sign.ts';
export { createHeaderVerifier } from './verify.ts';
export type {
  HeaderVerdict,
  HeaderVerifier,
  HeaderVerifierOptions,
  InvalidReason,
} from './verify.ts';
export { createReplayCache } from './replay-cache.ts';
export type { ReplayCache, ReplayVerdict } from './replay-cache.ts';
