// URLs from Kratos end up in href/src attributes. Escaping stops attribute breakout; this stops
// `javascript:` and other active schemes even if a misconfigured or compromised backend sends one.

export function safeURL(
  url: string | undefined,
  toSameOrigin: (url: string) => string,
  options: { allowDataImage: boolean },
): string | undefined {
  if (!url) return undefined;
  const trimmed = url.trim();
  if (
    options.allowDataImage &&
    /^data:image\/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=]+$/.test(trimmed)
  ) {
    return trimmed;
  }
  const rewritten = toSameOrigin(trimmed);
  if (rewritten.startsWith('/') && !rewritten.startsWith('//') && !rewritten.startsWith('/\\')) {
    return rewritten;
  }
  try {
    const parsed = new URL(rewritten);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}
