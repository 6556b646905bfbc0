/**
 * The grpc-go peer of the bench (load/grpc-go/main.go): installs Debian's golang-go and golang-google-grpc-dev when
 * missing (as `ensureH2load` installs nghttp2-client), builds the binary offline from Debian's GOPATH into
 * bench/.build/ (git-ignored) when it is missing or older than its source, and runs it as a server or a load client.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";

const SOURCE = fileURLToPath(new URL("../load/grpc-go/main.go", import.meta.url));
const BUILD_DIR = fileURLToPath(new URL("../.build/", import.meta.url));
/** Path of the built binary. */
export const GRPC_GO_BINARY = `${BUILD_DIR}grpc-go-bench`;
const GOPATH = "/usr/share/gocode";
const PACKAGES = ["golang-go", "golang-google-grpc-dev"];

function installed() {
  return (
    spawnSync("sh", ["-c", "command -v go"], { stdio: "ignore" }).status === 0 &&
    existsSync(`${GOPATH}/src/google.golang.org/grpc/server.go`)
  );
}

function aptInstall(log) {
  log(`grpc-go not found: installing ${PACKAGES.join(" ")} with apt-get ...`);
  const install = () =>
    spawnSync("apt-get", ["install", "-y", "--no-install-recommends", ...PACKAGES], {
      stdio: ["ignore", "ignore", "inherit"],
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    }).status;
  if (install() !== 0) {
    spawnSync("apt-get", ["update"], { stdio: "ignore" });
    install();
  }
}

/**
 * Makes sure the grpc-go binary is built and returns its path, or returns undefined (after saying why on `log`)
 * when Go or grpc-go cannot be installed or the build fails — the runner then uses its Node load client.
 */
export function ensureGrpcGo(log = (text) => process.stderr.write(`${text}\n`)) {
  if (!installed()) aptInstall(log);
  if (!installed()) {
    log(`could not install ${PACKAGES.join(" ")}: no grpc-go peer in this run`);
    return undefined;
  }
  if (existsSync(GRPC_GO_BINARY) && statSync(GRPC_GO_BINARY).mtimeMs >= statSync(SOURCE).mtimeMs) {
    return GRPC_GO_BINARY;
  }
  mkdirSync(BUILD_DIR, { recursive: true });
  const r = spawnSync("go", ["build", "-o", GRPC_GO_BINARY, SOURCE], {
    encoding: "utf8",
    env: { ...process.env, GO111MODULE: "off", GOPATH, GOCACHE: `${BUILD_DIR}go-cache`, GOFLAGS: "" },
  });
  if (r.status !== 0) {
    log(`building the grpc-go peer failed (go build exit ${r.status}): ${r.stderr}`);
    return undefined;
  }
  return GRPC_GO_BINARY;
}

/** grpc-go's version as Debian ships it (e.g. "1.33.3"), for the results. */
export function grpcGoVersion() {
  const r = spawnSync("dpkg-query", ["-W", `-f=${"$"}{Version}`, "golang-google-grpc-dev"], { encoding: "utf8" });
  const go = spawnSync("go", ["version"], { encoding: "utf8" });
  return r.status === 0 ? `grpc-go ${r.stdout.trim()} (${go.stdout.trim().replace(/^go version /, "")})` : "none";
}
