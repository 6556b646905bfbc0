import { assertValidNames, type LabelPairs } from "./prometheus-text.js";

/** MetricFamily is anything a MetricsRegistry can render: one named family in the text format. */
export interface MetricFamily {
  readonly name: string;
  /** render returns the family's HELP/TYPE lines and samples, ending with a line feed. */
  render(): string;
}

/** Options shared by every metric family. */
export interface MetricFamilyOptions {
  /** The metric name, e.g. `dubbo_rpc_requests_total`. */
  name: string;
  /** One line of HELP text. */
  help: string;
  /** The label names, in the order label values are passed. Default none. */
  labelNames?: readonly string[];
}

/**
 * LabeledSeries keeps one value per label-value combination, in first-seen order. The key is the JSON of the
 * value array, so `("a:b", "c")` and `("a", "b:c")` never collide.
 */
export class LabeledSeries<T> {
  readonly #labelNames: readonly string[];
  readonly #metric: string;
  readonly #series = new Map<string, { labels: LabelPairs; value: T }>();

  /** Creates an empty series table after validating the metric and label names. */
  constructor(options: MetricFamilyOptions) {
    this.#labelNames = options.labelNames ?? [];
    this.#metric = options.name;
    assertValidNames(options.name, this.#labelNames);
  }

  /** get returns the value for these label values, creating it with `create` the first time. */
  get(labelValues: readonly string[], create: () => T): T {
    const key = this.#key(labelValues);
    let entry = this.#series.get(key);
    if (entry === undefined) {
      const labels = this.#labelNames.map((name, index) => [name, labelValues[index] ?? ""] as const);
      entry = { labels, value: create() };
      this.#series.set(key, entry);
    }
    return entry.value;
  }

  /** find returns the value for these label values, or undefined if that series does not exist yet. */
  find(labelValues: readonly string[]): T | undefined {
    return this.#series.get(this.#key(labelValues))?.value;
  }

  /** entries lists every series with its labels, in first-seen order. */
  entries(): Array<{ labels: LabelPairs; value: T }> {
    return [...this.#series.values()];
  }

  #key(labelValues: readonly string[]): string {
    if (labelValues.length !== this.#labelNames.length) {
      throw new Error(
        `metric ${this.#metric}: expected ${this.#labelNames.length} label values (${this.#labelNames.join(", ")}), got ${labelValues.length}`,
      );
    }
    return JSON.stringify(labelValues);
  }
}
