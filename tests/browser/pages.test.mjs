// End-to-end test of Drover's web pages in Debian's chromium (run by
// scripts/browser-test.sh, which starts Temporal, the worker and the API).
// Every wait is on a condition, with a generous timeout; nothing sleeps.
import { chromium } from "playwright-core";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";

const base = process.env.DROVER_URL;
const repo = process.env.DROVER_REPO;
const shots = process.env.SHOTS_DIR;
const profiles = process.env.PROFILE_DIR;
assert.ok(base && repo && shots && profiles, "DROVER_URL, DROVER_REPO, SHOTS_DIR and PROFILE_DIR are required");
const LONG = 120_000;

function log(msg) { console.log(`[browser-test] ${msg}`); }

// watch reports a page's script errors and failed requests.
function watch(page) {
  page.on("pageerror", (e) => log(`page error: ${e.message}`));
  page.on("console", (m) => { if (m.type() === "error") log(`console: ${m.text()}`); });
}

// launch starts chromium with a new, empty profile of its own.
async function launch(name) {
  const dir = path.join(profiles, name);
  fs.mkdirSync(dir, { recursive: true });
  const ctx = await chromium.launchPersistentContext(dir, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    viewport: { width: 1200, height: 900 },
  });
  ctx.setDefaultTimeout(LONG);
  ctx.on("page", watch);
  ctx.pages().forEach(watch);
  return ctx;
}

async function api(method, p, token, body) {
  const res = await fetch(base + p, {
    method, headers: { "Authorization": `Bearer ${token}`, "Content-Type": "application/json" },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  assert.ok(res.ok, `${method} ${p}: ${res.status} ${text}`);
  return JSON.parse(text);
}

// eventually retries check until it returns a truthy value.
async function eventually(what, check, timeout = LONG) {
  const end = Date.now() + timeout;
  let last;
  while (Date.now() < end) {
    try {
      const v = await check();
      if (v) return v;
    } catch (e) { last = e; }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}${last ? ": " + last.message : ""}`);
}

async function signIn(page, token) {
  await page.goto(base + "/signin");
  await page.getByLabel("API token").fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForSelector("#whoami");
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(shots, name + ".png"), fullPage: true });
}

const bob = await launch("bob");
const carol = await launch("carol");
try {
  const bp = bob.pages()[0] || await bob.newPage();
  await signIn(bp, "bob-token");
  assert.equal(await bp.textContent("#whoami"), "bob");

  // alice pushes: a build starts.
  const build = await api("POST", "/api/v1/builds", "alice-token", { repository: repo, branch: "main" });
  const buildPath = "/builds/" + encodeURIComponent(build.id);
  log(`build ${build.id}`);

  // The runs list shows it live, without a reload.
  await bp.goto(base + "/");
  await bp.waitForSelector(`#runs-body tr[data-id="${build.id}"]`);
  await shot(bp, "runs");

  // Watch the compile log grow.
  await bp.goto(base + buildPath);
  await eventually("compile to start", async () =>
    ["building", "succeeded"].includes(await bp.textContent('[data-task="build/compile"] [data-field="status"]')));
  await bp.click('[data-task="build/compile"] a.log-link');
  const lines = () => bp.$eval('[id="log-build/compile"]', (el) => el.textContent.split("\n").filter((l) => l.includes("compile step ")).length);
  const first = await eventually("log lines", async () => { const n = await lines(); return n >= 1 ? n : 0; });
  const grown = await eventually("the log to grow", async () => { const n = await lines(); return n > first ? n : 0; });
  log(`log grew from ${first} to ${grown} lines`);
  await shot(bp, "build");
  await eventually("compile log to end", async () => (await lines()) === 20 &&
    await bp.$eval('[id="log-build/compile"]', (el) => el.dataset.ended === "succeeded"));
  await bp.waitForFunction(() => document.getElementById("build-status").textContent === "succeeded", null, { timeout: LONG });

  // The promotion reaches prod and waits for an approval by the release group.
  const state = await eventually("the promotion to start", async () => {
    const st = await api("GET", `/api/v1/builds/${encodeURIComponent(build.id)}`, "alice-token");
    return st.promotion_id ? st : null;
  });
  const promoPath = "/promotions/" + encodeURIComponent(state.promotion_id);
  log(`promotion ${state.promotion_id}`);
  await eventually("the approval to wait for bob", async () => {
    await bp.goto(base + "/approvals");
    return (await bp.locator(".approval").count()) > 0;
  });
  assert.match(await bp.textContent(".approval"), /webdemo .* → prod/);
  await shot(bp, "approvals");

  // carol is no approver: no approve button, and a forged post is refused.
  const cp = carol.pages()[0] || await carol.newPage();
  await signIn(cp, "carol-token");
  await cp.goto(base + promoPath);
  await cp.waitForSelector('[data-env-state="prod"]');
  assert.equal(await cp.textContent('[data-env-state="prod"]'), "awaiting-approval");
  assert.equal(await cp.getByRole("button", { name: /Approve/ }).count(), 0, "carol sees an approve button");
  const forged = await cp.request.post(base + "/ui/promotions/" + encodeURIComponent(state.promotion_id) + "/decide", {
    form: { environment: "prod", decision: "approve", confirm: "yes" }, maxRedirects: 0,
  });
  assert.equal(forged.status(), 403, "a forged post is refused");
  const forgedBob = await bob.request.post(base + "/ui/promotions/" + encodeURIComponent(state.promotion_id) + "/decide", {
    form: { environment: "prod", decision: "approve", confirm: "yes", csrf: "forged" }, maxRedirects: 0,
  });
  assert.equal(forgedBob.status(), 403, "a post with a bad CSRF token is refused even with bob's session");
  const still = await api("GET", `/api/v1/promotions/${encodeURIComponent(state.promotion_id)}`, "alice-token");
  assert.equal(still.environments.find((e) => e.name === "prod").state, "awaiting-approval");

  // bob approves, with a comment and a confirmation step.
  await bp.goto(base + promoPath);
  await bp.getByLabel("Comment").fill("looks good in dev");
  await shot(bp, "promotion");
  await bp.getByRole("button", { name: "Approve prod" }).click();
  await bp.waitForSelector("#confirm-decision");
  await shot(bp, "confirm");
  await bp.click("#confirm-decision");
  await bp.waitForSelector(".flash");
  assert.match(await bp.textContent(".flash"), /Approved prod/);
  await bp.waitForFunction(() => document.getElementById("promotion-status")?.textContent === "completed", null, { timeout: LONG });
  assert.equal(await bp.textContent('[data-env-state="prod"]'), "deployed");
  assert.match(await bp.textContent(".decisions"), /bob approved .* via web: looks good in dev/);
  await shot(bp, "promotion-done");

  await bp.goto(base + "/environments");
  await bp.waitForSelector('a[href="/environments/webdemo/prod"]');
  await shot(bp, "environments");
  await bp.goto(base + "/environments/webdemo/prod");
  await shot(bp, "history");

  // Phone width: the pages still fit.
  await bp.setViewportSize({ width: 390, height: 844 });
  await bp.goto(base + promoPath);
  const overflow = await bp.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 1, `promotion page overflows a phone's width by ${overflow}px`);
  await shot(bp, "promotion-phone");

  // Sign-out ends the session.
  await bp.getByRole("button", { name: "Sign out" }).click();
  await bp.waitForSelector('a[href^="/signin"]');
  log("all checks passed");
} finally {
  await bob.close();
  await carol.close();
}
