// @vestibule/rp-demo: "Sign in with Notes", a relying party on openid-client for the demo stack.
export {
  DEFAULT_RP_SCOPE,
  rpRedirectURIs,
  startRPDemo,
  type RPDemoOptions,
  type RunningRPDemo,
} from './server.ts';
