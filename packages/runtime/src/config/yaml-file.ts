import type { Node, Scalar } from "yaml";
import { loadYamlModule } from "#yaml-module";

/** One leaf of a YAML configuration file, flattened to a dotted key, with the line its value is on. */
export interface YamlEntry {
  /** Dotted key: nested map keys joined with `.` (flat keys such as `dubbo.application.name` are kept as written). */
  readonly key: string;
  /** The scalar as text, or a list of texts for a sequence of scalars. Null and empty values are `""`. */
  readonly value: string | readonly string[];
  /** 1-based line number. */
  readonly line: number;
}

/** A YAML syntax or structure error with its line. */
export interface YamlSyntaxError {
  /** 1-based line number. */
  readonly line: number;
  /** What is wrong. */
  readonly message: string;
}

const NULL_WORDS = new Set(["~", "null", "Null", "NULL"]);

function scalarText(node: Scalar): string {
  const text = String(node.value ?? "");
  return node.type === "PLAIN" && NULL_WORDS.has(text) ? "" : text;
}

/**
 * Parses a YAML configuration file and flattens its maps to dotted keys, so that both the nested form
 * (`dubbo: { application: { name: x } }`) and Spring's flat form (`dubbo.application.name: x`) yield
 * `dubbo.application.name`. All scalars are read as text (YAML's failsafe schema); the loader validates them.
 * A syntax error, or a top level that is not a map, yields errors and no entries.
 */
export function parseYamlConfig(text: string): { entries: YamlEntry[]; errors: YamlSyntaxError[] } {
  const { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument } = loadYamlModule();
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { schema: "failsafe", lineCounter, prettyErrors: false, uniqueKeys: true });
  const lineOf = (offset: number | undefined): number => lineCounter.linePos(offset ?? 0).line;
  if (document.errors.length > 0) {
    return { entries: [], errors: document.errors.map((e) => ({ line: lineOf(e.pos[0]), message: e.message })) };
  }
  const entries: YamlEntry[] = [];
  const resolve = (node: unknown): unknown => (isAlias(node) ? node.resolve(document) : node);

  const walk = (node: unknown, prefix: string, line: number): void => {
    const resolved = resolve(node);
    if (isMap(resolved)) {
      for (const pair of resolved.items) {
        const key = resolve(pair.key);
        if (!isScalar(key)) continue;
        const name = String(key.value ?? "");
        const keyLine = lineOf((key as Node).range?.[0]);
        walk(pair.value, prefix === "" ? name : `${prefix}.${name}`, keyLine);
      }
    } else if (isSeq(resolved)) {
      const items = resolved.items.map(resolve);
      const value = items.every(isScalar)
        ? items.map((item) => scalarText(item as Scalar)).filter((item) => item !== "")
        : JSON.stringify(resolved.toJSON());
      entries.push({ key: prefix, value, line: lineOf(resolved.range?.[0]) });
    } else if (isScalar(resolved)) {
      entries.push({ key: prefix, value: scalarText(resolved), line: lineOf(resolved.range?.[0]) });
    } else {
      entries.push({ key: prefix, value: "", line });
    }
  };

  const root = resolve(document.contents);
  if (root === null || (isScalar(root) && scalarText(root) === "")) return { entries, errors: [] };
  if (!isMap(root)) {
    return {
      entries,
      errors: [{ line: lineOf((root as Node).range?.[0]), message: "expected a map at the top level" }],
    };
  }
  walk(root, "", 1);
  return { entries, errors: [] };
}
