// `/health` answers as soon as the edge serves requests (liveness); `/health/ready` also asks the parts
// whether Kratos and the upstream answer, so a load balancer can hold traffic until they do.
export async function healthResponse(
  pathname: string,
  ready: (() => Promise<Record<string, boolean>>) | undefined,
): Promise<Response> {
  const headers = { 'content-type': 'application/json', 'cache-control': 'no-store' };
  if (pathname === '/health' || !ready) {
    return new Response(JSON.stringify({ status: 'ok' }), { status: 200, headers });
  }
  const checks = await ready();
  const ok = Object.values(checks).every(Boolean);
  return new Response(JSON.stringify({ status: ok ? 'ok' : 'unavailable', checks }), {
    status: ok ? 200 : 503,
    headers,
  });
}
