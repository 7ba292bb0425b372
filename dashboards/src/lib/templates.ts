// Which template a device is polled with, as the server resolves it (runtime/templates/template-store.ts):
// its own templateId, else the built-in template of its ECL application family (A266.1 → ecl-comfort/A266).
export function templateIdOf(d: { templateId?: string | null; application: string | null }): string | null {
  if (d.templateId) return d.templateId;
  const family = /^(A\d{3})(?:\.\d+)?$/.exec(d.application ?? '')?.[1];
  return family ? `ecl-comfort/${family}` : null;
}
