// Public API of @vestibule/oauth2-server: the embedded Hydra-compatible server and its config.
export {
  createOAuth2Server,
  type OAuth2Server,
  type OAuth2ServerOptions,
  type Listening,
} from './server.ts';
export { edgeRevocationNotifier } from './oauth2/revocation-notice.ts';
export {
  loadConfig,
  parseConfig,
  parseDuration,
  ConfigError,
  type HydraConfig,
  type HydraConfigInput,
} from './config/index.ts';
