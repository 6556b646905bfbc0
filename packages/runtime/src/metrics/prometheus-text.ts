/** The content type of the Prometheus text exposition format 0.0.4, as the QOS `metrics` command serves it. */
export const prometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

/** A label set as ordered name/value pairs; order is the family's label-name order. */
export type LabelPairs = ReadonlyArray<readonly [name: string, value: string]>;

/** escapeLabelValue escapes a label value for the text format: backslash, double quote and line feed. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** escapeHelp escapes HELP text for the text format: backslash and line feed. */
export function escapeHelp(help: string): string {
  return help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

/** formatLabels renders `{a="x",b="y"}`, or the empty string for no labels. */
export function formatLabels(labels: LabelPairs): string {
  if (labels.length === 0) {
    return "";
  }
  return `{${labels.map(([name, value]) => `${name}="${escapeLabelValue(value)}"`).join(",")}}`;
}

/** formatSampleValue renders a sample value; infinities and NaN use the format's `+Inf`, `-Inf` and `NaN`. */
export function formatSampleValue(value: number): string {
  if (Number.isNaN(value)) {
    return "NaN";
  }
  if (value === Number.POSITIVE_INFINITY) {
    return "+Inf";
  }
  if (value === Number.NEGATIVE_INFINITY) {
    return "-Inf";
  }
  return String(value);
}

/** formatFamilyHeader renders the `# HELP` and `# TYPE` lines of a metric family. */
export function formatFamilyHeader(name: string, help: string, type: "counter" | "gauge" | "histogram"): string {
  return `# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} ${type}\n`;
}

const metricNamePattern = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const labelNamePattern = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** assertValidNames throws unless the metric name and label names are legal Prometheus names. */
export function assertValidNames(name: string, labelNames: readonly string[]): void {
  if (!metricNamePattern.test(name)) {
    throw new Error(`invalid metric name "${name}"`);
  }
  for (const label of labelNames) {
    if (!labelNamePattern.test(label) || label.startsWith("__") || label === "le") {
      throw new Error(`metric ${name}: invalid label name "${label}"`);
    }
  }
}
