import { LabeledSeries, type MetricFamily, type MetricFamilyOptions } from "./metric-family.js";
import { formatFamilyHeader, formatLabels, formatSampleValue } from "./prometheus-text.js";

/** Gauge is a Prometheus gauge family: per-label-set values that go up and down. */
export class Gauge implements MetricFamily {
  readonly name: string;
  readonly #help: string;
  readonly #series: LabeledSeries<{ value: number }>;

  /** Creates a gauge family; names are validated. */
  constructor(options: MetricFamilyOptions) {
    this.name = options.name;
    this.#help = options.help;
    this.#series = new LabeledSeries(options);
  }

  /** inc adds `amount` (default 1; may be negative) to the series with these label values. */
  inc(labelValues: readonly string[], amount = 1): void {
    this.#series.get(labelValues, () => ({ value: 0 })).value += amount;
  }

  /** dec subtracts `amount` (default 1). */
  dec(labelValues: readonly string[], amount = 1): void {
    this.inc(labelValues, -amount);
  }

  /** set replaces the value of the series with these label values. */
  set(labelValues: readonly string[], value: number): void {
    this.#series.get(labelValues, () => ({ value: 0 })).value = value;
  }

  /** value reads the series with these label values (0 if never set). */
  value(labelValues: readonly string[]): number {
    return this.#series.find(labelValues)?.value ?? 0;
  }

  /** render returns HELP, TYPE and one sample per series. */
  render(): string {
    let out = formatFamilyHeader(this.name, this.#help, "gauge");
    for (const { labels, value } of this.#series.entries()) {
      out += `${this.name}${formatLabels(labels)} ${formatSampleValue(value.value)}\n`;
    }
    return out;
  }
}
