// The images a generated deployment pins: one place to bump them. Ory's images are pinned to a
// release (never `latest`), so a deployment does not change under the operator's feet.
export const KRATOS_IMAGE = 'oryd/kratos:v1.3.1';
export const HYDRA_IMAGE = 'oryd/hydra:v2.2.0';
export const POSTGRES_IMAGE = 'postgres:16.4-alpine';
export const MAIL_CATCHER_IMAGE = 'axllent/mailpit:v1.20.4';
export const NODE_IMAGE = 'node:22-alpine';
/** The `version` key of the generated kratos.yml: the release the image runs. */
export const KRATOS_VERSION = 'v1.3.1';
/** Ory's Helm charts (https://k8s.ory.sh/helm) the values files are written for. */
export const KRATOS_CHART_VERSION = '0.50.3';
export const HYDRA_CHART_VERSION = '0.50.3';
