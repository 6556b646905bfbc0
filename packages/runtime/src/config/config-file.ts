import { extname, isAbsolute, join, resolve } from "node:path";
import type { ConfigProblem } from "./config-error.js";
import { canonicalKey } from "./key-names.js";
import { parseProperties } from "./properties-file.js";
import { isBlank, type RawSetting } from "./sources.js";
import { parseYamlConfig } from "./yaml-file.js";

// node:fs through process.getBuiltinModule, not an import: the ES module facade of node:fs reads every export, and
// its lazy ones load fs streams, fs/promises and readline — ~6 ms of every start-up, for nothing used here.
const { readFileSync, statSync } = process.getBuiltinModule("node:fs");

/** Environment variable naming the configuration file; relative paths are resolved against the working directory. */
export const CONFIG_FILE_ENV = "DUBBO_CONFIG_FILE";

/** File names looked for in the working directory when {@link CONFIG_FILE_ENV} is not set, in order. */
export const DEFAULT_CONFIG_FILES = ["dubbo.properties", "dubbo.yaml", "dubbo.yml"] as const;

/** Settings read from the configuration file, the file's absolute path, and any problems or warnings. */
export interface FileSettings {
  readonly file?: string;
  readonly settings: RawSetting[];
  readonly problems: ConfigProblem[];
  readonly warnings: string[];
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function fileProblem(file: string, line: number | undefined, message: string): ConfigProblem {
  const origin = line === undefined ? `file ${file}` : `file ${file} line ${line}`;
  return { key: file, value: "", source: "file", origin, message: `cannot use ${origin}: ${message}` };
}

/**
 * Finds and reads the configuration file. The path comes from `DUBBO_CONFIG_FILE` (which must then exist), else the
 * first of `dubbo.properties`, `dubbo.yaml`, `dubbo.yml` in `cwd`. `.yaml`/`.yml` files are read as YAML, anything
 * else as Java properties. Only keys starting with `dubbo.` (after normalisation) are kept; others are ignored
 * silently. Blank values count as unset.
 */
export function fileSettings(env: Readonly<Record<string, string | undefined>>, cwd: string): FileSettings {
  const warnings: string[] = [];
  const named = env[CONFIG_FILE_ENV]?.trim();
  let file: string;
  if (named !== undefined && named !== "") {
    file = isAbsolute(named) ? named : resolve(cwd, named);
    if (!isFile(file)) {
      const problem: ConfigProblem = {
        key: CONFIG_FILE_ENV,
        value: named,
        source: "environment",
        origin: `environment ${CONFIG_FILE_ENV}`,
        message: `config file ${file} named by environment variable ${CONFIG_FILE_ENV} does not exist or is not a file`,
      };
      return { settings: [], problems: [problem], warnings };
    }
  } else {
    const found = DEFAULT_CONFIG_FILES.map((name) => join(resolve(cwd), name)).filter(isFile);
    const [first, ...others] = found;
    if (first === undefined) return { settings: [], problems: [], warnings };
    if (others.length > 0) warnings.push(`using config file ${first}; also found and ignored: ${others.join(", ")}`);
    file = first;
  }

  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    return { file, settings: [], problems: [fileProblem(file, undefined, (error as Error).message)], warnings };
  }
  const yaml = [".yaml", ".yml"].includes(extname(file).toLowerCase());
  const parsed = yaml ? parseYamlConfig(text) : parseProperties(text);
  const problems = parsed.errors.map((e) => fileProblem(file, e.line, e.message));
  const settings: RawSetting[] = [];
  for (const entry of parsed.entries) {
    const key = canonicalKey(entry.key);
    if (!key.startsWith("dubbo.") || isBlank(entry.value)) continue;
    settings.push({
      key,
      writtenKey: entry.key,
      value: entry.value,
      source: "file",
      location: `${file} line ${entry.line}`,
    });
  }
  return { file, settings, problems, warnings };
}
