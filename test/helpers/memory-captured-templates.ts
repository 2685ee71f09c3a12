import { DuplicateTemplateError } from '../../src/labs/errors';
import { type CapturedTemplate, type CapturedTemplateStore } from '../../src/labs/ports';

/** CapturedTemplateStore in memory: publishing keeps the first publication, saving a taken key with another item fails. */
export class MemoryCapturedTemplates implements CapturedTemplateStore {
  readonly templates: CapturedTemplate[] = [];
  list(): Promise<CapturedTemplate[]> {
    return Promise.resolve([...this.templates]);
  }
  get(key: string): Promise<CapturedTemplate | undefined> {
    return Promise.resolve(this.templates.find((t) => t.key === key));
  }
  save(template: CapturedTemplate): Promise<void> {
    const existing = this.templates.find((t) => t.key === template.key);
    if (existing && existing.catalogItem !== template.catalogItem) {
      return Promise.reject(new DuplicateTemplateError(template.key));
    }
    if (!existing) {
      this.templates.push(template);
    }
    return Promise.resolve();
  }
  publish(key: string, by: string, at: Date): Promise<void> {
    const template = this.templates.find((t) => t.key === key);
    if (template && template.publishedAt === undefined) {
      Object.assign(template, { publishedAt: at, publishedBy: by });
    }
    return Promise.resolve();
  }
  remove(key: string): Promise<boolean> {
    const index = this.templates.findIndex((t) => t.key === key);
    if (index >= 0) {
      this.templates.splice(index, 1);
    }
    return Promise.resolve(index >= 0);
  }
}
