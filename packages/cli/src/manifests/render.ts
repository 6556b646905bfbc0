import { stringify } from "yaml";
import { generateManifests, type ManifestModel } from "./generate.js";
import type { ManifestOptions } from "./options.js";

/**
 * Multi-document YAML for `kubectl apply -f -`: one document per model, separated by `---`, keys in the models' order
 * (apiVersion, kind, metadata, spec), no line folding, optional `# comment` header lines first.
 */
export function renderModels(models: readonly ManifestModel[], header: readonly string[] = []): string {
  const comments = header.map((line) => `# ${line}\n`).join("");
  const documents = models.map((model) => stringify(model.toJSON(), { lineWidth: 0 }));
  return comments + documents.join("---\n");
}

/** `generateManifests(options)` rendered as multi-document YAML (see {@link renderModels}). */
export function renderManifests(options: ManifestOptions): string {
  return renderModels(generateManifests(options));
}
