// Names shared by the protocol side (oauth2/) and the login/consent side (consent/) of one flow:
// the interaction-policy reasons that mean "the login/consent app decides", and the marker for a
// `prompt=consent` this server added itself (Hydra's flow/ package holds the same kind of thing).
export const LOGIN_APP_REASON = 'hydra_login_app';
export const CONSENT_APP_REASON = 'hydra_consent_app';

/** Marks a `prompt=consent` this server added for `offline_access` (see oauth2/public-middleware.ts). */
export const ADDED_CONSENT_PROMPT = 'vestibule_added_prompt';
