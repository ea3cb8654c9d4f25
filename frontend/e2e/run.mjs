// End-to-end: the real `ancre` binary (PostgreSQL, the S3-API server, the
// embedded index, the local embedding model, pdfium) serving the built UI,
// driven in Debian's headless Chromium by playwright-core. A first-time
// user's path: create a collection, upload a real PDF and a broken one,
// watch them to indexed / failed, create an assistant, ask, open a cited
// source at its page; then exhaust the documents quota; connect a Drive
// (a local stand-in for Nango) in a second workspace and watch its files
// arrive; then the French UI.
// Screenshots of each page go to e2e/screenshots/.
//
// Needs: ANCRE_TEST_DATABASE_URL (a PostgreSQL it may create databases in),
// ANCRE_TEST_S3_ENDPOINT / _ACCESS_KEY / _SECRET_KEY, the built UI (dist/),
// and the ancre binary (ANCRE_BIN, default $CARGO_TARGET_DIR/debug/ancre).
// `make test` provides all of them.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, existsSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { randomUUID } from "node:crypto";
import { chromium } from "playwright-core";
import { steps } from "./steps.mjs";
import { SECRET_KEY, startFakeNango } from "./nango.mjs";

const here = new URL(".", import.meta.url).pathname;
const frontend = resolve(here, "..");
const repo = resolve(frontend, "..");
const corpus = resolve(repo, "../shared/corpus");
const shots = join(here, "screenshots");

function need(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the end-to-end tests with \`make test\``);
  return value;
}

async function freePort() {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.unref();
    server.on("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
  });
}

async function psql(url, sql) {
  return new Promise((ok, fail) => {
    const child = spawn("psql", [url, "-v", "ON_ERROR_STOP=1", "-tAc", sql], { stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    child.stderr.on("data", (d) => (err += d));
    child.on("exit", (code) => (code === 0 ? ok() : fail(new Error(`psql: ${err}`))));
  });
}

async function waitFor(what, check, deadlineMs) {
  const until = Date.now() + deadlineMs;
  let last;
  while (Date.now() < until) {
    try {
      if (await check()) return;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last}` : ""}`);
}

async function main() {
  const adminUrl = need("ANCRE_TEST_DATABASE_URL");
  const target = process.env.CARGO_TARGET_DIR ?? join(repo, "target");
  const bin = process.env.ANCRE_BIN ?? join(target, "debug", "ancre");
  if (!existsSync(bin)) throw new Error(`no ancre binary at ${bin} (build it, or set ANCRE_BIN)`);
  if (!existsSync(join(frontend, "dist", "index.html"))) throw new Error("the UI is not built: npm run build");
  const maps = readdirSync(join(frontend, "dist"), { recursive: true }).filter((f) => String(f).endsWith(".map"));
  if (maps.length > 0) throw new Error(`the built UI publishes source maps: ${maps.join(", ")}`);

  const db = `e2e_${randomUUID().replaceAll("-", "").slice(0, 12)}`;
  await psql(adminUrl, `CREATE DATABASE ${db}`);
  const databaseUrl = adminUrl.replace(/\/[^/]*$/, `/${db}`);
  const dataDir = mkdtempSync(join(tmpdir(), "ancre-e2e-"));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  rmSync(shots, { recursive: true, force: true });
  mkdirSync(shots, { recursive: true });

  const nango = await startFakeNango();
  const server = spawn(bin, ["serve"], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      DEV_AUTH_BYPASS: "true",
      ANCRE_LISTEN: `127.0.0.1:${port}`,
      ANCRE_DATA_DIR: dataDir,
      ANCRE_WEB_DIR: join(frontend, "dist"),
      ANCRE_S3_ENDPOINT: need("ANCRE_TEST_S3_ENDPOINT"),
      ANCRE_S3_BUCKET: `e${randomUUID().replaceAll("-", "").slice(0, 12)}`,
      ANCRE_S3_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: need("ANCRE_TEST_S3_ACCESS_KEY"),
      AWS_SECRET_ACCESS_KEY: need("ANCRE_TEST_S3_SECRET_KEY"),
      ANCRE_LOG_FORMAT: "json",
      NANGO_URL: nango.url,
      NANGO_SECRET_KEY: SECRET_KEY,
      NANGO_CONNECT_URL: nango.url,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let serverLog = "";
  server.stdout.on("data", (d) => (serverLog += d));
  server.stderr.on("data", (d) => (serverLog += d));
  const exited = new Promise((r) => server.on("exit", r));

  let failed = false;
  let browser;
  try {
    // playwright gives each launch a fresh, empty profile (its own --user-data-dir).
    browser = await chromium.launch({
      executablePath: process.env.ANCRE_CHROMIUM ?? "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    await waitFor("the server to answer /readyz", async () => (await fetch(`${base}/readyz`)).ok, 60_000);
    await steps({ browser, base, corpus, shots, waitFor, nango });
    console.log(`e2e: passed; screenshots in ${shots}`);
  } catch (e) {
    failed = true;
    console.error(`e2e: FAILED: ${e?.stack ?? e}`);
    console.error(`--- last server log lines ---\n${serverLog.split("\n").slice(-40).join("\n")}`);
  } finally {
    await browser?.close();
    await nango.close();
    server.kill("SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    server.kill("SIGKILL");
    await psql(adminUrl, `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`).catch(() => {});
    rmSync(dataDir, { recursive: true, force: true });
  }
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
