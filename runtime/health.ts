// /healthz is assembled from sections that each capability registers (runtime, storage, devices...).
// A section reports `ok: false` to turn the overall status to "degraded".
export interface HealthSection {
  ok: boolean;
  [detail: string]: unknown;
}

export class HealthRegistry {
  private readonly sections = new Map<string, () => HealthSection | Promise<HealthSection>>();

  register(name: string, probe: () => HealthSection | Promise<HealthSection>): void {
    this.sections.set(name, probe);
  }

  async report(): Promise<{ status: 'ok' | 'degraded'; sections: Record<string, HealthSection> }> {
    const sections: Record<string, HealthSection> = {};
    await Promise.all(
      [...this.sections].map(async ([name, probe]) => {
        try {
          sections[name] = await probe();
        } catch (err) {
          sections[name] = { ok: false, error: (err as Error).message };
        }
      }),
    );
    return { status: Object.values(sections).every((s) => s.ok) ? 'ok' : 'degraded', sections };
  }
}
