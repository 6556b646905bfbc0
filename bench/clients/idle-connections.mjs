/**
 * Opens N (env CONNECTIONS, default 1000) idle cleartext HTTP/2 connections to env URL — each completes the
 * preface/SETTINGS exchange and one PING round trip, so the server holds a full session — prints
 * `{"event":"ready","connections":N}` and keeps them open until SIGTERM.
 */
import http2 from "node:http2";

const url = process.env.URL;
const count = Number(process.env.CONNECTIONS ?? 1000);
const BATCH = 50;
const sessions = [];

function open() {
  return new Promise((resolve, reject) => {
    const session = http2.connect(url);
    session.once("error", reject);
    session.once("connect", () => {
      session.ping((err) => (err ? reject(err) : resolve(session)));
    });
  });
}

for (let i = 0; i < count; i += BATCH) {
  const batch = await Promise.all(Array.from({ length: Math.min(BATCH, count - i) }, open));
  sessions.push(...batch);
}
process.stdout.write(`${JSON.stringify({ event: "ready", connections: sessions.length })}\n`);
const timer = setInterval(() => {}, 60_000);
process.once("SIGTERM", () => {
  clearInterval(timer);
  for (const s of sessions) s.destroy();
  process.exit(0);
});
