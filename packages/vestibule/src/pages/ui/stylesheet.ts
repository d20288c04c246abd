// The pages' stylesheet, served from the asset route with a content hash (cacheable, CSP `style-src
// 'self'`). Themes only set the custom properties below, in a nonce'd <style> block.
export const STYLESHEET = `
:root{--vb-accent:#4f46e5;--vb-accent-text:#fff;--vb-bg:#f6f7f9;--vb-card:#fff;--vb-text:#1f2937;
--vb-muted:#6b7280;--vb-border:#d1d5db;--vb-error:#b91c1c;--vb-success:#047857;--vb-radius:.5rem;
--vb-font:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
@media (prefers-color-scheme:dark){:root{--vb-bg:#111827;--vb-card:#1f2937;--vb-text:#f3f4f6;
--vb-muted:#9ca3af;--vb-border:#374151;--vb-error:#f87171;--vb-success:#34d399}}
*{box-sizing:border-box}
body{margin:0;min-height:100vh;background:var(--vb-bg);color:var(--vb-text);font:16px/1.5 var(--vb-font);
display:flex;align-items:flex-start;justify-content:center;padding:3rem 1rem}
main{width:100%;max-width:26rem}
main.wide{max-width:36rem}
.brand{display:flex;align-items:center;gap:.5rem;justify-content:center;margin-bottom:1.5rem;font-weight:600;font-size:1.125rem}
.brand img{max-height:2rem;width:auto}
.card{background:var(--vb-card);border:1px solid var(--vb-border);border-radius:calc(var(--vb-radius)*1.5);
padding:2rem;box-shadow:0 1px 3px rgba(0,0,0,.06)}
h1{font-size:1.5rem;margin:0 0 1.25rem;line-height:1.25}
h2{font-size:1.125rem;margin:0 0 1rem}
.field{display:flex;flex-direction:column;gap:.25rem;margin-bottom:1rem}
label{font-weight:500;font-size:.9375rem}
.required{color:var(--vb-muted)}
input:not([type=checkbox]),select{width:100%;padding:.625rem .75rem;font:inherit;color:inherit;
background:var(--vb-card);border:1px solid var(--vb-border);border-radius:var(--vb-radius)}
input[aria-invalid=true],select[aria-invalid=true]{border-color:var(--vb-error)}
.field-checkbox{flex-direction:row;flex-wrap:wrap;align-items:center;gap:.5rem}
.field-checkbox .messages{flex-basis:100%}
input[type=checkbox]{width:1.125rem;height:1.125rem;accent-color:var(--vb-accent)}
:focus-visible{outline:3px solid var(--vb-accent);outline-offset:2px}
.button{display:inline-flex;justify-content:center;align-items:center;gap:.5rem;width:100%;padding:.675rem 1rem;
font:inherit;font-weight:600;border-radius:var(--vb-radius);border:1px solid transparent;cursor:pointer;text-decoration:none}
.button-primary{background:var(--vb-accent);color:var(--vb-accent-text)}
.button-secondary,.button-social,.button-link{background:transparent;color:var(--vb-text);border-color:var(--vb-border)}
.button:disabled{opacity:.6;cursor:progress}
/* A rule between two sign-in methods, not between the shared fields (default group) and a method. */
.group:not(.group-default,.group-captcha)+.group:not(.group-captcha){border-top:1px solid var(--vb-border);margin-top:1.25rem;padding-top:1.25rem}
.messages{font-size:.875rem}
.messages p{margin:.25rem 0}
.message-error{color:var(--vb-error)}
.message-success{color:var(--vb-success)}
.message-info{color:var(--vb-muted)}
.flow-messages{margin-bottom:1rem;padding:.75rem 1rem;border-radius:var(--vb-radius);border:1px solid var(--vb-border)}
.flow-messages .message{font-size:.9375rem}
.settings-group{padding:1.5rem 0;border-top:1px solid var(--vb-border)}
.settings-group:first-of-type{border-top:0;padding-top:0}
.secrets{display:grid;grid-template-columns:repeat(auto-fill,minmax(7rem,1fr));gap:.5rem;padding:0;list-style:none}
code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;background:var(--vb-bg);padding:.125rem .375rem;border-radius:.25rem}
.node-img{margin:0 0 1rem;text-align:center}
.node-img img{max-width:100%;height:auto;background:#fff;padding:.5rem;border-radius:var(--vb-radius)}
.node-img figcaption,.node-label{color:var(--vb-muted);font-size:.875rem}
.links{margin-top:1.5rem;display:flex;flex-direction:column;gap:.5rem;text-align:center;font-size:.9375rem}
a{color:var(--vb-accent)}
.request-id{color:var(--vb-muted);font-size:.875rem}
`;
