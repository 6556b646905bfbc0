import { LabeledSeries, type MetricFamily, type MetricFamilyOptions } from "./metric-family.js";
import { formatFamilyHeader, formatLabels, formatSampleValue } from "./prometheus-text.js";

/** Counter is a Prometheus counter family: per-label-set totals that only go up. */
export class Counter implements MetricFamily {
  readonly name: string;
  readonly #help: string;
  readonly #series: LabeledSeries<{ value: number }>;

  /** Creates a counter family; names are validated. */
  constructor(options: MetricFamilyOptions) {
    this.name = options.name;
    this.#help = options.help;
    this.#series = new LabeledSeries(options);
  }

  /** inc adds `amount` (default 1, must not be negative) to the series with these label values. */
  inc(labelValues: readonly string[], amount = 1): void {
    if (!(amount >= 0)) {
      throw new Error(`counter ${this.name}: cannot increase by ${amount}`);
    }
    this.#series.get(labelValues, () => ({ value: 0 })).value += amount;
  }

  /** value reads the series with these label values (0 if never increased). */
  value(labelValues: readonly string[]): number {
    return this.#series.find(labelValues)?.value ?? 0;
  }

  /** render returns HELP, TYPE and one sample per series. */
  render(): string {
    let out = formatFamilyHeader(this.name, this.#help, "counter");
    for (const { labels, value } of this.#series.entries()) {
      out += `${this.name}${formatLabels(labels)} ${formatSampleValue(value.value)}\n`;
    }
    return out;
  }
}
