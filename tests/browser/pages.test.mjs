// End-to-end test of Drover's web pages in Debian's chromium (run by
// scripts/browser-test.sh, which starts Temporal, the worker and the API).
// Every wait is on a condition, with a generous timeout; nothing sleeps.
import { chromium } from "playwright-core";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const base = process.env.DROVER_URL;
const repo = process.env.DROVER_REPO;
const shots = process.env.SHOTS_DIR;
const profiles = process.env.PROFILE_DIR;
assert.ok(base && repo && shots && profiles, "DROVER_URL, DROVER_REPO, SHOTS_DIR and PROFILE_DIR are required");
const LONG = 120_000;
const DESKTOP = { width: 1400, height: 900 };
const PHONE = { width: 390, height: 844 };

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
    viewport: DESKTOP,
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

// visit goes to url, again if a page's own reload (a live page that moved
// on) interrupted the navigation.
async function visit(page, url) {
  for (let i = 0; ; i++) {
    try {
      return await page.goto(url);
    } catch (e) {
      if (i >= 3 || !/interrupted by another navigation/.test(String(e))) throw e;
    }
  }
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

// contrast measures, in the page, the WCAG contrast ratio of every visible
// status badge's text (and of every status icon) against the background it
// is drawn on, compositing translucent backgrounds over the opaque one below.
function contrast(page) {
  return page.evaluate(() => {
    const parse = (c) => {
      const m = c.match(/rgba?\(([^)]+)\)/);
      if (!m) throw new Error(`unexpected colour ${c}`);
      const [r, g, b, a] = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
      return { r, g, b, a: a === undefined ? 1 : a };
    };
    const over = (top, below) => ({
      r: top.r * top.a + below.r * (1 - top.a), g: top.g * top.a + below.g * (1 - top.a),
      b: top.b * top.a + below.b * (1 - top.a), a: 1,
    });
    const background = (el) => {
      const layers = [];
      for (let n = el.parentElement; n; n = n.parentElement) {
        const c = parse(getComputedStyle(n).backgroundColor);
        if (c.a > 0) layers.push(c);
        if (c.a >= 1) break;
      }
      let bg = layers.length && layers[layers.length - 1].a >= 1 ? layers.pop() : { r: 255, g: 255, b: 255, a: 1 };
      while (layers.length) bg = over(layers.pop(), bg);
      return bg;
    };
    const lum = ({ r, g, b }) => {
      const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const ratio = (a, b) => { const x = lum(a), y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
    const out = [];
    for (const el of document.querySelectorAll(".status, .ico")) {
      if (!el.getClientRects().length) continue;
      const icon = el.classList.contains("ico");
      const fg = parse(getComputedStyle(el)[icon ? "backgroundColor" : "color"]);
      out.push({ what: (el.className + " " + (el.textContent || el.getAttribute("aria-label") || "")).trim(),
        icon, ratio: ratio(fg, background(el)) });
    }
    return out;
  });
}

const measured = [];

// sweep looks at the page at desktop and phone sizes in the light and the
// dark theme: nothing wider than a phone's screen at 390 px, status colours
// at WCAG AA contrast (4.5:1 for text, 3:1 for icons), a screenshot of each.
async function sweep(page, name) {
  await page.waitForLoadState("load");
  for (const scheme of ["light", "dark"]) {
    for (const [size, viewport] of [["desktop", DESKTOP], ["phone", PHONE]]) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.setViewportSize(viewport);
      const dark = await page.evaluate(() => getComputedStyle(document.body).colorScheme === "dark" ||
        getComputedStyle(document.documentElement).colorScheme === "dark");
      assert.equal(dark, scheme === "dark", `${name}: the ${scheme} theme applies`);
      if (size === "phone") {
        const { scroll, inner } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth }));
        assert.ok(scroll <= inner, `${name} (${scheme}) overflows a 390 px screen: scrollWidth ${scroll} > ${inner}`);
      }
      const ratios = await contrast(page);
      for (const r of ratios) {
        assert.ok(r.ratio >= (r.icon ? 3 : 4.5), `${name} (${scheme}, ${size}): "${r.what}" has contrast ${r.ratio.toFixed(2)}`);
      }
      if (ratios.length) {
        const min = Math.min(...ratios.map((r) => r.ratio));
        measured.push({ page: name, scheme, size, statuses: ratios.length, min });
      }
      await shot(page, name + (size === "phone" ? "-phone" : "") + (scheme === "dark" ? "-dark" : ""));
    }
  }
  await page.emulateMedia({ colorScheme: "light" });
  await page.setViewportSize(DESKTOP);
  log(`${name}: light and dark, 1400 and 390 px: no overflow, status contrast ≥ 4.5`);
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
  await sweep(bp, "runs-first");

  // The theme toggle overrides the system's theme and is remembered.
  assert.equal(await bp.evaluate(() => document.documentElement.dataset.theme), undefined);
  await bp.click("#theme-toggle");
  assert.equal(await bp.evaluate(() => document.documentElement.dataset.theme), "dark");
  await bp.reload();
  await bp.waitForSelector(`#runs-body tr[data-id="${build.id}"]`);
  assert.equal(await bp.evaluate(() => document.documentElement.dataset.theme), "dark", "the chosen theme survives a reload");
  for (const r of await contrast(bp)) assert.ok(r.ratio >= (r.icon ? 3 : 4.5), `toggled dark: "${r.what}" has contrast ${r.ratio.toFixed(2)}`);
  await bp.click("#theme-toggle");
  assert.equal(await bp.evaluate(() => document.documentElement.dataset.theme), "light");
  await bp.click("#theme-toggle");
  assert.equal(await bp.evaluate(() => document.documentElement.dataset.theme), undefined, "back to the system's theme");

  // Keyboard: j selects the newest run, Enter opens it.
  await bp.locator("body").press("j");
  await bp.waitForSelector(`#runs-body tr.kb-focus[data-id="${build.id}"]`);
  await bp.keyboard.press("Enter");
  await bp.waitForURL((u) => u.pathname === buildPath || decodeURIComponent(u.pathname) === decodeURIComponent(buildPath));

  // Watch the compile log grow.
  await bp.goto(base + buildPath);
  await eventually("compile to start", async () =>
    ["building", "succeeded"].includes(await bp.textContent('[data-task="build/compile"] [data-field="status"]')));
  await bp.click('[data-task="build/compile"] a.job-link');
  await bp.waitForFunction(() => document.getElementById("log-body").dataset.task === "build/compile", null, { timeout: LONG });
  const lines = () => bp.$eval("#log-body", (el) => el.innerText.split("\n").filter((l) => l.includes("compile step ")).length);
  const first = await eventually("log lines", async () => { const n = await lines(); return n >= 1 ? n : 0; });
  const grown = await eventually("the log to grow", async () => { const n = await lines(); return n > first ? n : 0; });
  log(`log grew from ${first} to ${grown} lines`);
  await sweep(bp, "build");
  await eventually("compile log to end", async () => (await lines()) === 20 &&
    await bp.$eval("#log-body", (el) => el.dataset.ended === "succeeded"));
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
  await sweep(bp, "approvals");

  // carol is no approver: no approve button, and a forged post is refused.
  // She opens the promotion first and signs in from its Sign in link: she
  // lands back on it.
  const cp = carol.pages()[0] || await carol.newPage();
  await cp.goto(base + promoPath);
  await cp.getByRole("link", { name: "Sign in" }).click();
  await cp.waitForURL((u) => u.pathname === "/signin");
  await cp.waitForSelector("#token");
  await sweep(cp, "signin");
  await cp.getByLabel("API token").fill("carol-token");
  await cp.getByRole("button", { name: "Sign in" }).click();
  await cp.waitForSelector("#whoami");
  assert.equal(new URL(cp.url()).pathname, new URL(base + promoPath).pathname, "sign-in returns to the page it started from");
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
  await bp.waitForSelector('[data-env-state="prod"]');
  // The approval's deadline is a countdown that ticks without a reload.
  const left0 = await bp.textContent("time[data-left]");
  assert.match(left0, / left$/);
  await eventually("the countdown to tick", async () => (await bp.textContent("time[data-left]")) !== left0);
  await sweep(bp, "promotion");
  await bp.getByLabel("Comment").fill("looks good in dev");
  await shot(bp, "promotion-comment");
  await bp.getByRole("button", { name: "Approve prod" }).click();
  await bp.waitForSelector("#confirm-decision");
  await sweep(bp, "confirm");
  await bp.click("#confirm-decision");
  await bp.waitForSelector(".flash");
  assert.match(await bp.textContent(".flash"), /Approved prod/);
  await bp.waitForFunction(() => document.getElementById("promotion-status")?.textContent === "completed", null, { timeout: LONG });
  assert.equal(await bp.textContent('[data-env-state="prod"]'), "deployed");
  assert.match(await bp.textContent(".decisions"), /bob approved .* via web: looks good in dev/);
  await sweep(bp, "promotion-done");
  // Each deploy's log opens in the same viewer as a task's.
  await bp.click('a.job-link[data-name="prod/deploy"]');
  await bp.waitForFunction(() => document.getElementById("log-body").dataset.ended === "succeeded", null, { timeout: LONG });
  assert.match(await bp.textContent("#log-body"), /deployed to prod/);
  await shot(bp, "promotion-log");

  await bp.goto(base + "/environments");
  await bp.waitForSelector('a[href="/environments/webdemo/prod"]');
  // Versions × environments, in the pipeline's order, the version now in each.
  assert.deepEqual(await bp.$$eval("#fr-webdemo ~ .scroll thead th a", (as) => as.map((a) => a.textContent)), ["dev", "prod"]);
  assert.equal(await bp.locator("#fr-webdemo ~ .scroll td.current").count(), 2);
  await sweep(bp, "environments");
  await bp.goto(base + "/environments/webdemo/prod");
  await sweep(bp, "history");

  // Deploy the version again, to dev alone, from the ended promotion's page:
  // a new, linked redeploy run.
  await bp.goto(base + promoPath);
  await bp.getByText("Deploy again…").click();
  await bp.selectOption("#redeploy-env", "dev");
  await bp.fill("#redeploy-reason", "refresh dev");
  await bp.getByRole("button", { name: /^Deploy .* again$/ }).click();
  await bp.waitForSelector(".flash");
  assert.match(await bp.textContent(".flash"), /Deploying .* again/);
  assert.match(decodeURIComponent(new URL(bp.url()).pathname), /\/redeploy-/);
  await bp.waitForFunction(() => document.getElementById("promotion-status")?.textContent === "completed", null, { timeout: LONG });
  assert.equal(await bp.textContent('[data-env-state="dev"]'), "deployed");
  assert.match(await bp.textContent(".facts"), /redeploy after promote\/webdemo\/.*refresh dev/);
  await sweep(bp, "promotion-redeploy");

  // A second version reaches prod; then prod is rolled back to the first
  // from its history page, through prod's approval.
  const approveProd = async (id) => {
    const p = "/api/v1/promotions/" + encodeURIComponent(id);
    await eventually(`${id} to wait for prod's approval`, async () =>
      (await api("GET", p, "alice-token")).environments.find((e) => e.name === "prod")?.state === "awaiting-approval");
    await api("POST", p + "/approve", "bob-token", { environment: "prod", comment: "ok" });
    await eventually(`${id} to complete`, async () => (await api("GET", p, "alice-token")).status === "completed");
  };
  execFileSync("git", ["-C", repo, "-c", "user.name=Drover Test", "-c", "user.email=test@drover.invalid",
    "commit", "-q", "--allow-empty", "-m", "second version"]);
  const second = await api("POST", "/api/v1/builds", "alice-token", { repository: repo, branch: "main" });
  const secondBuild = await eventually("the second promotion to start", async () => {
    const st = await api("GET", `/api/v1/builds/${encodeURIComponent(second.id)}`, "alice-token");
    return st.promotion_id ? st : null;
  });
  await approveProd(secondBuild.promotion_id);
  const v1 = state.promotion_id.split("/").pop();
  await bp.goto(base + "/environments/webdemo/prod");
  await bp.getByText(`Roll back to ${v1}…`).click();
  await bp.fill("details.rollback[open] input[name=reason]", "the second version misbehaves");
  await bp.getByRole("button", { name: `Roll back prod to ${v1}` }).click();
  await bp.waitForSelector(".flash");
  assert.match(await bp.textContent(".flash"), /Rollback of prod started/);
  const rollbackID = decodeURIComponent(new URL(bp.url()).pathname.replace(/^\/promotions\//, ""));
  assert.match(rollbackID, /\/rollback-/);
  log(`rollback ${rollbackID}`);
  await approveProd(rollbackID);
  // A fresh tab: the rollback's page reloads itself as the run moves on.
  const hp = await bob.newPage();
  await hp.goto(base + "/environments/webdemo/prod");
  assert.match(await hp.textContent("tbody tr:first-child"), new RegExp(`${v1}\\s*\\(rollback\\)\\s*now`));
  await sweep(hp, "history-rollback");
  await hp.close();
  // bp still shows the rollback, which may reload itself once more.
  await visit(bp, base + "/");

  // The runs list now holds the build and its promotion, with where the
  // version runs now.
  await bp.goto(base + "/");
  await bp.waitForSelector(`#runs-body tr[data-id="${state.promotion_id}"] .envtrack .on`);
  await sweep(bp, "runs");

  // A browser gets a page, not JSON, for an unknown route.
  const missing = await bp.goto(base + "/no/such/page");
  assert.equal(missing.status(), 404);
  assert.equal(await bp.textContent("#error-message"), "No such route.");
  await sweep(bp, "error");

  // Cancel asks first: a build that runs shows the question, not the post.
  const slow = await api("POST", "/api/v1/builds", "alice-token", { repository: repo, branch: "main", rerun: true });
  log(`build to cancel ${slow.id}`);
  await bp.goto(base + "/builds/" + encodeURIComponent(slow.id));
  await bp.getByText("Cancel build…").click();
  await bp.waitForSelector("text=Yes, cancel build");
  await sweep(bp, "build-cancel");
  await bp.getByRole("button", { name: "Yes, cancel build" }).click();
  await bp.waitForSelector(".flash");
  assert.match(await bp.textContent(".flash"), /Cancellation requested/);
  assert.equal(await bp.getByText("Cancel build…").count(), 0, "no second Cancel button after cancelling");
  await bp.waitForFunction(() => document.getElementById("build-status").textContent === "cancelled", null, { timeout: LONG });

  log("contrast measured (lowest ratio of status colours per page, theme and size): " +
    measured.map((m) => `${m.page}/${m.scheme}/${m.size}: ${m.min.toFixed(2)} over ${m.statuses}`).join("; "));

  // Sign-out ends the session.
  await bp.getByRole("button", { name: "Sign out" }).click();
  await bp.waitForSelector('a[href^="/signin"]');
  log("all checks passed");
} finally {
  await bob.close();
  await carol.close();
}
