import type { MetricFamily } from "./metric-family.js";

/**
 * MetricsRegistry is a tiny Prometheus registry: it holds metric families and renders them, in registration
 * order, in the text exposition format 0.0.4. No global state; create one per application.
 */
export class MetricsRegistry {
  readonly #families = new Map<string, MetricFamily>();

  /** register adds a family and returns it; a second family with the same name throws. */
  register<F extends MetricFamily>(family: F): F {
    if (this.#families.has(family.name)) {
      throw new Error(`a metric named ${family.name} is already registered`);
    }
    this.#families.set(family.name, family);
    return family;
  }

  /** render returns every family in the text exposition format 0.0.4 (see prometheusContentType). */
  render(): string {
    let out = "";
    for (const family of this.#families.values()) {
      out += family.render();
    }
    return out;
  }
}
