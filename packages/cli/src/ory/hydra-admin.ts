// Hydra's admin API through the official SDK, for the commands and the stack (`oauth2 clients`,
// the RP demo's client registration): one place that turns an admin URL into a client.
import { Configuration, OAuth2Api } from '@ory/client-fetch';

export function hydraAdmin(adminURL: string): OAuth2Api {
  return new OAuth2Api(new Configuration({ basePath: adminURL.replace(/\/+$/, '') }));
}
