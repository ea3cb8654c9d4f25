// The user's path, step by step (see run.mjs for the set-up).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";

const INDEXED = 300_000; // embedding a 26-page PDF on a busy 2-core machine

export async function steps({ browser, base, corpus, shots, waitFor, nango }) {
  const context = await browser.newContext({ locale: "en-GB", viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  try {
    await path({ browser, context, page, base, corpus, shots, waitFor, nango });
  } catch (e) {
    // What the page showed when it went wrong, beside the others.
    await page.screenshot({ path: join(shots, "failure.png") }).catch(() => {});
    throw e;
  }
}

async function path({ browser, context, page, base, corpus, shots, waitFor, nango }) {
  page.setDefaultTimeout(30_000);
  const shot = (name) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: false });
  const problems = [];
  page.on("pageerror", (e) => problems.push(String(e)));
  // The UI works under the server's Content-Security-Policy: nothing it
  // needs is refused by it.
  page.on("console", (m) => {
    if (/Content.Security.Policy/i.test(m.text())) problems.push(m.text());
  });

  // 1. A first visit: the collections page, empty, in dev mode, under a
  // policy that forbids framing.
  const first = await page.goto(base);
  assert.match(first.headers()["content-security-policy"] ?? "", /frame-ancestors 'none'/);
  await page.waitForURL(`${base}/collections`);
  await page.getByTestId("dev-bypass").waitFor();
  await page.getByText("No collection yet").waitFor();
  await shot("01-collections-empty");

  // 2. Create a collection: we land on it.
  await page.getByLabel("Name").fill("Debian history");
  await page.getByLabel("Description (optional)").fill("The project's history, in French");
  await page.getByRole("button", { name: "Create collection" }).click();
  await page.waitForURL(/\/collections\/[0-9a-f-]{36}$/);
  await page.getByRole("heading", { name: "Debian history" }).waitFor();
  const collectionUrl = page.url();
  const collectionId = collectionUrl.split("/").pop();

  // 3. Upload a real PDF and a broken one together (one bar each).
  await page.getByTestId("upload-input").setInputFiles([
    join(corpus, "pdf/project-history.fr.pdf"),
    join(corpus, "bad/truncated-half.pdf"),
  ]);
  await waitFor("both uploads to be answered", async () => {
    const states = await page.getByTestId("upload-row").allInnerTexts();
    return states.length === 2 && states.every((s) => s.includes("queued for processing"));
  }, 60_000);
  // A third file, dropped onto the zone as a file manager would.
  const dropped = await page.evaluateHandle(() => {
    const data = new DataTransfer();
    const text = "# Ancre handbook\n\n## Mascot\n\nThe Ancre mascot is a blue octopus called Poulpe, drawn by the founders in 2026.\n";
    data.items.add(new File([text], "handbook.md", { type: "text/markdown" }));
    return data;
  });
  await page.getByTestId("upload-zone").dispatchEvent("dragover", { dataTransfer: dropped });
  await page.getByTestId("upload-zone").dispatchEvent("drop", { dataTransfer: dropped });
  await waitFor("the dropped file to be uploaded", async () => {
    const states = await page.getByTestId("upload-row").allInnerTexts();
    return states.length === 3 && states[2].includes("handbook.md") && states[2].includes("queued for processing");
  }, 60_000);
  const row = (name) => page.locator(`[data-testid=document-row][data-filename="${name}"]`);
  await row("project-history.fr.pdf").waitFor();
  await row("truncated-half.pdf").waitFor();
  await shot("02-collection-uploading");

  // 4. Statuses move on their own (the SSE feed): the bad file fails with its reason…
  await row("truncated-half.pdf").getByTestId("failure-reason").waitFor({ timeout: INDEXED });
  const reason = await row("truncated-half.pdf").getByTestId("failure-reason").innerText();
  assert.match(reason, /Failed while reading the file/);
  assert.ok(reason.length > "Failed while reading the file:".length + 5, `a readable reason: ${reason}`);
  // …and the PDF gets indexed, without reloading the page.
  await row("project-history.fr.pdf").locator("[data-phase=indexed]").waitFor({ timeout: INDEXED });
  await row("handbook.md").locator("[data-phase=indexed]").waitFor({ timeout: INDEXED });
  assert.equal(page.url(), collectionUrl);
  assert.equal((await row("project-history.fr.pdf").locator("td").nth(2).innerText()).trim(), "26");
  await shot("03-collection-indexed");

  // 5. The document's passages, with their pages.
  await row("project-history.fr.pdf").getByRole("link", { name: "project-history.fr.pdf" }).click();
  await page.getByTestId("chunk").first().waitFor();
  const firstChunk = await page.getByTestId("chunk").first().innerText();
  assert.match(firstChunk, /page \S+/);
  await shot("04-document-chunks");

  // 6. An assistant over that collection; creating it opens its chat.
  await page.getByRole("link", { name: "Assistants" }).click();
  await page.getByText("No assistant yet").waitFor();
  await page.getByLabel("Name").fill("Historian");
  await page.getByLabel("Instructions").fill("Answer from the project's history.");
  await page.getByLabel("Debian history").check();
  await shot("05-assistants-new");
  await page.getByRole("button", { name: "Create and start chatting" }).click();
  await page.waitForURL(/\/chat\/[0-9a-f-]{36}$/);
  await page.getByText("Ask your first question").waitFor();

  // 7. Ask (in French): the answer streams in, then its sources with pages.
  const composer = page.getByLabel("Your question");
  await composer.fill("En quelle année Ian Murdock a-t-il créé Debian ?");
  await composer.press("Enter");
  const answer = page.getByTestId("answer").last();
  await answer.waitFor();
  await page.getByTestId("citation").first().waitFor();
  await page.waitForURL(/\/chat\/[0-9a-f-]{36}\/[0-9a-f-]{36}$/);
  const answerText = await answer.innerText();
  assert.match(answerText, /Réponse extractive/, answerText);
  const citations = page.getByTestId("citation");
  const count = await citations.count();
  assert.ok(count >= 1);
  const texts = await citations.allInnerTexts();
  const murdock = texts.findIndex((t) => t.includes("page 6"));
  assert.ok(murdock >= 0, `a source on printed page 6 (physical 12): ${texts.join(" | ")}`);
  assert.equal(await citations.nth(murdock).getAttribute("data-page"), "12");
  // A complete answer is not marked as stopped or failed; assistant-ui's
  // action bar offers to copy it or ask again.
  assert.equal(await page.getByText("Stopped: the answer is incomplete.").count(), 0);
  const firstTurn = page.getByTestId("turn").first();
  await firstTurn.getByRole("button", { name: "Copy" }).waitFor();
  await firstTurn.getByRole("button", { name: "Ask again" }).waitFor();
  // The conversation is listed, titled from the question.
  await page.getByRole("navigation", { name: "Conversations" }).getByText("En quelle année").waitFor();
  await shot("06-chat-answer");

  // 8. Open that source: the PDF's page 12 drawn, the excerpt highlighted.
  // The file is fetched once for the whole visit, however many pages are turned.
  let fileFetches = 0;
  const countFetch = (request) => {
    if (request.method() === "GET" && /\/api\/v1\/documents\/[0-9a-f-]{36}\/file$/.test(request.url())) fileFetches += 1;
  };
  page.on("request", countFetch);
  await citations.nth(murdock).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByText("page 6").first().waitFor();
  await dialog.locator("[data-testid=pdf-page][data-state=ready]").waitFor({ timeout: 60_000 });
  const highlights = Number(await dialog.getByTestId("pdf-page").getAttribute("data-highlights"));
  assert.ok(highlights >= 1, "the excerpt is highlighted on the page");
  assert.equal(await dialog.getByTestId("source").getAttribute("data-page"), "12");
  await shot("07-source-pdf-page");
  // The pages around it are a click away; the excerpt is marked on its own page only.
  await dialog.getByTestId("pdf-page-number").getByText("Page 12 of 26").waitFor();
  await dialog.getByRole("button", { name: "Next page" }).click();
  await dialog.getByTestId("pdf-page-number").getByText("Page 13 of 26").waitFor();
  await dialog.locator("[data-testid=pdf-page][data-state=ready][data-highlights='0']").waitFor();
  await dialog.getByRole("button", { name: "Back to the cited page" }).click();
  await dialog.getByTestId("pdf-page-number").getByText("Page 12 of 26").waitFor();
  await waitFor("the excerpt marked again", async () => Number(await dialog.getByTestId("pdf-page").getAttribute("data-highlights")) >= 1, 30_000);
  page.off("request", countFetch);
  assert.equal(fileFetches, 1, "the PDF is downloaded once, not again on every page turn");
  await page.keyboard.press("Escape");

  // 9. A marker in the answer opens its source too.
  await answer.getByTestId("citation-marker").first().click();
  await page.getByRole("dialog").waitFor();
  await page.keyboard.press("Escape");
  await page.getByRole("dialog").waitFor({ state: "detached" });

  // 10. A follow-up in the same conversation, answered from the Markdown
  // file: its source opens as the passage under its headings, marked.
  const conversationUrl = page.url();
  await composer.fill("What is the Ancre mascot called?");
  await composer.press("Enter");
  await waitFor("the second answer", async () => (await page.getByTestId("turn").count()) === 2 && (await page.getByTestId("turn").nth(1).getByTestId("citation").count()) > 0, 60_000);
  assert.equal(page.url(), conversationUrl, "the follow-up stays in its conversation");
  const second = page.getByTestId("turn").nth(1);
  const mdCitation = second.getByTestId("citation").filter({ hasText: "handbook.md" }).first();
  await mdCitation.click();
  const mdSource = page.getByRole("dialog").getByTestId("source");
  await mdSource.getByText("Ancre handbook › Mascot").waitFor();
  const marked = await mdSource.getByTestId("highlight").innerText();
  assert.match(marked, /Poulpe/, `the cited sentence is marked: ${marked}`);
  await shot("08-source-markdown");
  await page.keyboard.press("Escape");

  // 11. Exhaust the documents quota (Free: 100): 97 more small files through
  // the API, then one through the page is refused with the reason.
  const uploaded = 3;
  for (let i = 0; i < 100 - uploaded; i++) {
    const form = new FormData();
    form.append("files", new Blob([`Note ${i}: nothing to see.`], { type: "text/plain" }), `note-${i}.txt`);
    const r = await fetch(`${base}/api/v1/documents/upload/${collectionId}`, { method: "POST", body: form });
    assert.equal(r.status, 202, await r.text());
  }
  await page.goto(collectionUrl);
  await page.getByTestId("upload-input").setInputFiles({
    name: "one-too-many.txt",
    mimeType: "text/plain",
    buffer: Buffer.from("This file is over the plan's limit."),
  });
  const refused = page.getByTestId("upload-row").filter({ hasText: "one-too-many.txt" });
  await refused.getByRole("alert").waitFor();
  const message = await refused.getByRole("alert").innerText();
  assert.match(message, /Free plan's limit on documents is reached \(100 of 100\)/, message);
  assert.match(message, /upgrade to Pro/, message);
  await shot("09-quota-refused");

  // 12. Usage: the documents quota full, the ledger, its CSV, billing off.
  await page.getByRole("link", { name: "Usage & billing" }).click();
  const documents = page.locator("[data-testid=quota][data-quota=documents]");
  await documents.getByText("100 of 100").waitFor();
  await page.getByText("Billing is not set up on this server").waitFor();
  await page.getByTestId("ledger-line").first().waitFor();
  const periods = await page.getByLabel("Period").locator("option").allInnerTexts();
  assert.ok(periods.length >= 1 && /^\d{4}-\d{2}$/.test(periods[0]), `periods offered: ${periods}`);
  await shot("10-usage");
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: "Download CSV" }).click(),
  ]);
  assert.match(download.suggestedFilename(), /^ancre-usage-\d{4}-\d{2}\.csv$/);
  const csv = readFileSync(await download.path(), "utf8").trim().split("\n");
  assert.match(csv[0], /^period,sequence,line,recorded_at,occurred_at,metric,quantity/);
  const documentLines = csv.filter((l) => l.split(",")[5] === "documents");
  assert.equal(documentLines.reduce((n, l) => n + Number(l.split(",")[6]), 0), 100, "the CSV counts the 100 documents");

  // 12b. The copilot: "show my KPIs" → cards drawn from the agent's tool
  // result; their figures are the Usage page's (the run itself is a message).
  const usedOf = async (quota) =>
    Number((await page.locator(`[data-testid=quota][data-quota=${quota}]`).innerText()).match(/(\d[\d,]*) of/)[1].replace(/,/g, ""));
  const messagesBefore = await usedOf("messages_per_month");
  await page.getByRole("button", { name: "Ask the copilot" }).click();
  const copilotInput = page.getByPlaceholder("Ask about your workspace…");
  await copilotInput.fill("Show my KPIs");
  await copilotInput.press("Enter");
  const cards = page.getByTestId("kpi-cards").last();
  await cards.waitFor({ timeout: 30_000 });
  await page.getByText("No language model is answering").waitFor();
  assert.ok(Number(await cards.getByTestId("kpi-documents-total").innerText()) >= 100, "the workspace's documents are counted");
  await cards.getByTestId("kpi-quota-documents").getByText("100 / 100 · 100 %").waitFor();
  // The chat's answers of this run started within the last day: their median wait is shown.
  await cards.getByTestId("kpi-first-token").getByText(/^\d[\d,]* ms$/).waitFor();
  // The run's message is charged before the figures are read, but the
  // usage counters are a projection: the card shows the count with or
  // without it, the Usage page catches up.
  const cardMessages = Number(
    (await cards.getByTestId("kpi-quota-messages_per_month").innerText()).match(/(\d[\d,]*) \//)[1].replace(/,/g, ""),
  );
  assert.ok([messagesBefore, messagesBefore + 1].includes(cardMessages), `the card's messages: ${cardMessages}`);
  await shot("15-copilot-kpis");
  await waitFor("the Usage page counts the copilot's run", async () => {
    await page.reload();
    await page.locator("[data-testid=quota][data-quota=documents]").getByText("100 of 100").waitFor();
    return (await usedOf("messages_per_month")) === messagesBefore + 1;
  }, 30_000);

  // 13. Settings: an API key shown once, usable, then revoked; the members.
  await page.getByRole("link", { name: "Settings" }).click();
  await page.getByLabel("Key name").fill("e2e script");
  await page.getByRole("button", { name: "Create key" }).click();
  const secret = (await page.getByTestId("api-key-secret").locator("code").innerText()).trim();
  const me = await fetch(`${base}/api/v1/me`, { headers: { Authorization: `Bearer ${secret}` } });
  assert.equal(me.status, 200);
  assert.equal((await me.json()).kind, "api_key");
  await page.getByTestId("member").filter({ hasText: "dev-user" }).getByText("you").waitFor();
  // Inviting is not adding: the user shows as invited until they accept;
  // the owner may withdraw the invitation.
  await page.getByLabel("User id").fill("user_e2e_colleague");
  await page.getByRole("button", { name: "Invite" }).click();
  await page.getByTestId("pending-invitation").filter({ hasText: "user_e2e_colleague" }).waitFor();
  assert.equal(await page.getByTestId("member").filter({ hasText: "user_e2e_colleague" }).count(), 0);
  await shot("11-settings");
  await page.getByRole("button", { name: "Withdraw the invitation of user_e2e_colleague" }).click();
  await page.getByTestId("pending-invitation").filter({ hasText: "user_e2e_colleague" }).waitFor({ state: "detached" });
  await page.getByTestId("api-key").filter({ hasText: "e2e script" }).getByRole("button", { name: "Revoke" }).click();
  await page.getByTestId("api-key").filter({ hasText: "e2e script" }).getByText("Revoked").waitFor();
  const after = await fetch(`${base}/api/v1/me`, { headers: { Authorization: `Bearer ${secret}` } });
  assert.equal(after.status, 401);

  // 14. A second workspace: its own, empty collections; switching back shows ours.
  await page.getByRole("button", { name: "New workspace" }).click();
  await page.getByLabel("Workspace name").fill("Second team");
  await page.getByRole("button", { name: "Create workspace" }).click();
  await page.getByTestId("workspace-name").getByText("Second team").waitFor();
  await page.getByText("No collection yet").waitFor();
  assert.equal(await page.getByText("Debian history").count(), 0, "the other workspace's collection is not shown");

  // 14b. Connect a Google Drive there: Nango's Connect UI opens in a frame;
  // its completion is simulated by coming back through the callback.
  await page.getByLabel("Name").fill("Drive import");
  await page.getByRole("button", { name: "Create collection" }).click();
  await page.getByRole("heading", { name: "Drive import" }).waitFor();
  await page.getByRole("link", { name: "Integrations" }).click();
  const driveCard = page.getByTestId("provider-google-drive");
  await driveCard.getByRole("button", { name: "Connect" }).click();
  await waitFor("a connect session for this workspace", async () => nango.sessions.length === 1, 30_000);
  assert.deepEqual(nango.sessions[0].allowed_integrations, ["google-drive"]);
  await page.locator(`iframe[src^="${nango.url}"]`).waitFor({ state: "attached" });
  await page.goto(`${base}/integrations?provider=google-drive&connection_id=conn-e2e`);
  await driveCard.getByText("Connected").waitFor();
  await driveCard.getByText("Not synced yet: choose a collection to start.").waitFor();
  await driveCard.getByLabel("Collection its documents go to").selectOption({ label: "Drive import" });
  await driveCard.getByText(/2 imported, 0 removed, 0 skipped/).waitFor({ timeout: 60_000 });
  await shot("13-integrations");
  await page.getByRole("link", { name: "Collections" }).click();
  await page.getByRole("link", { name: "Drive import" }).click();
  for (const file of Object.values(nango.files)) {
    const row = page.locator(`[data-testid=document-row][data-filename="${file.name}"]`);
    await row.getByText("From Google Drive").waitFor();
    await row.locator("[data-phase=indexed]").waitFor({ timeout: INDEXED });
  }
  await shot("14-collection-from-drive");
  await page.getByLabel("Workspace").selectOption({ label: "Dev tenant" });
  await page.getByTestId("workspace-name").getByText("Dev tenant").waitFor();
  await page.getByText("Debian history").waitFor();

  assert.deepEqual(problems, [], "no uncaught error in the page");
  await context.close();

  // 15. The French interface, chosen from the browser's language.
  const fr = await browser.newContext({ locale: "fr-FR", viewport: { width: 1280, height: 860 } });
  const frPage = await fr.newPage();
  await frPage.goto(collectionUrl);
  await frPage.getByText("Déposez des fichiers ici, ou cliquez pour choisir").waitFor();
  await frPage.getByRole("columnheader", { name: "État" }).waitFor();
  await frPage.locator("[data-phase=indexed]").first().getByText("Indexé").waitFor();
  assert.equal(await frPage.evaluate(() => document.documentElement.lang), "fr");
  await frPage.screenshot({ path: join(shots, "12-collection-fr.png") });
  // The copilot in French: French cards.
  await frPage.getByRole("button", { name: "Demander au copilote" }).click();
  const frInput = frPage.getByPlaceholder("Posez une question sur votre espace…");
  await frInput.fill("Montre mes indicateurs");
  await frInput.press("Enter");
  const frCards = frPage.getByTestId("kpi-cards").last();
  await frCards.waitFor({ timeout: 30_000 });
  await frPage.getByText("Aucun modèle de langue ne répond").waitFor();
  await frCards.getByText("Échecs des 7 derniers jours").waitFor();
  await frCards.getByTestId("kpi-status-indexed").getByText(/indexés/).waitFor();
  await frPage.screenshot({ path: join(shots, "16-copilot-kpis-fr.png") });
  await fr.close();
}
