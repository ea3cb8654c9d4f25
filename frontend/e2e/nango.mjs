// A local server that speaks the part of Nango's HTTP API the end-to-end
// path needs (the Rust tests use testkit's fuller one): connect sessions,
// a connection holding the organization of the last session (as Nango's
// connection made through that session does), the records of a Drive sync
// and their files through the proxy. Any other GET is a blank page standing
// in for Nango's Connect UI (the SDK frames it).
import { createServer } from "node:http";

export const SECRET_KEY = "5f1b1f0e-8a40-4c1c-9d7e-0c7a2b9e4d11";

const FILES = {
  "e2e-guide": {
    name: "guide-connecteurs.md",
    mimeType: "text/markdown",
    body: "# Guide des connecteurs\n\nLes documents d'un Drive connecté arrivent dans une collection et restent synchronisés.\n",
  },
  "e2e-notes": {
    name: "release-notes.txt",
    mimeType: "text/plain",
    body: "Release notes: connectors import Drive files into a collection and keep it in sync.\n",
  },
};

export async function startFakeNango() {
  const sessions = [];
  let organization = null;
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, "http://nango");
    const send = (status, value, type = "application/json") => {
      res.writeHead(status, { "content-type": type });
      res.end(typeof value === "string" ? value : JSON.stringify(value));
    };
    const api = ["/connect/", "/connections", "/records", "/proxy/"].some((p) => url.pathname.startsWith(p));
    if (api && req.headers.authorization !== `Bearer ${SECRET_KEY}`) {
      return send(401, { error: { code: "unknown_account", message: "Authentication failed." } });
    }
    if (req.method === "POST" && url.pathname === "/connect/sessions") {
      let body = "";
      for await (const chunk of req) body += chunk;
      const session = JSON.parse(body);
      sessions.push(session);
      organization = session.organization?.id ?? null;
      const token = `nango_connect_session_${"ab".repeat(32)}`;
      return send(201, { data: { token, connect_link: null, expires_at: new Date(Date.now() + 1_800_000).toISOString() } });
    }
    if (req.method === "GET" && url.pathname === "/connections/conn-e2e") {
      return send(200, {
        connection_id: "conn-e2e",
        provider_config_key: "google-drive",
        provider: "google-drive",
        tags: { organization_id: organization },
        end_user: { id: "dev-user", organization: { id: organization } },
      });
    }
    if (req.method === "GET" && url.pathname.startsWith("/connections/")) {
      return send(404, { error: { code: "not_found", message: "Failed to find connection" } });
    }
    if (req.method === "GET" && url.pathname === "/records") {
      const records = Object.entries(FILES).map(([id, f], i) => ({
        id,
        name: f.name,
        mimeType: f.mimeType,
        webViewLink: `https://drive.google.com/file/d/${id}/view`,
        modifiedTime: "2026-12-06T09:00:00Z",
        _nango_metadata: {
          first_seen_at: "2026-12-06T09:00:00.000000+00:00",
          last_modified_at: `2026-12-06T09:00:0${i}.000000+00:00`,
          last_action: "ADDED",
          deleted_at: null,
          cursor: Buffer.from(`${i}||${id}`).toString("base64"),
        },
      }));
      return send(200, { records, next_cursor: null });
    }
    const file = url.pathname.match(/^\/proxy\/drive\/v3\/files\/([^/]+)$/);
    if (req.method === "GET" && file && FILES[file[1]]) {
      return send(200, FILES[file[1]].body, "application/octet-stream");
    }
    if (api) return send(404, { error: { code: "not_found", message: "Not found" } });
    return send(200, "<!doctype html><title>Connect</title><p>Nango Connect UI</p>", "text/html");
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  const url = `http://127.0.0.1:${server.address().port}`;
  return { url, sessions, files: FILES, close: () => new Promise((ok) => server.close(ok)) };
}
