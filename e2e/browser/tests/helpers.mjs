// Shared steps: accessibility checks and screenshots that the test run keeps.
import AxeBuilder from '@axe-core/playwright';
import { test as base, expect } from '@playwright/test';
import fs from 'node:fs';

export const shots = `${process.cwd()}/artifacts/screenshots`;
fs.mkdirSync(shots, { recursive: true });

/**
 * Playwright's `test`, whose pages fail the test when the browser refuses anything under the
 * server's Content-Security-Policy (Chromium reports each refusal on the console).
 */
export const test = base.extend({
  // The sign-in page first shows the notice and consent (OK): accepted whenever it is in the
  // way, as a person does (the notice's own journey looks at it: register_and_sign_in.spec).
  page: async ({ page }, use) => {
    await page.addLocatorHandler(page.locator('#notice-ok'), async (ok) => { await ok.click(); });
    await use(page);
  },
  context: async ({ context }, use) => {
    const refused = [];
    context.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) refused.push(m.text());
    });
    await use(context);
    expect(refused, 'Content-Security-Policy refusals').toEqual([]);
  },
});
export { expect };

/** Asserts axe-core finds no WCAG 2.1 A/AA violation, and keeps a screenshot. */
export async function checkPage(page, name) {
  await page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  const summary = results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  expect(summary, `axe violations on ${name}`).toEqual([]);
}

/** The form control with exactly this accessible name. */
export function field(page, name) {
  return page.getByRole('textbox', { name, exact: true });
}

export const PASSWORD = 'Demo password for AMPS 2026';

/** Where the journeys keep the authenticator keys they set up (the run's data directory, new
 * with each server). */
const keysFile = `${process.cwd()}/artifacts/data/authenticators.json`;

function keyOf(userId) {
  return fs.existsSync(keysFile) ? JSON.parse(fs.readFileSync(keysFile, 'utf8'))[userId] : undefined;
}

/** Remembers `userId`'s authenticator key (base32) for later sign-ins of the run. */
export function keepKey(userId, secret) {
  const keys = fs.existsSync(keysFile) ? JSON.parse(fs.readFileSync(keysFile, 'utf8')) : {};
  keys[userId] = secret;
  fs.writeFileSync(keysFile, JSON.stringify(keys));
}

/** The code `userId`'s authenticator shows, 30 seconds later on the server's clock (so that no
 * code is typed twice: each works once). */
async function freshCode(request, userId) {
  const secret = keyOf(userId);
  expect(secret, `${userId} has an authenticator set up by a journey`).toBeTruthy();
  await advanceDays(request, 30 / 86400);
  return totpCode(request, secret);
}

/** Signs in through the page and lands on Home, as the account's owner does: with the code of
 * the authenticator a journey set up, and an administrator's first sign-in setting one up. */
export async function signIn(page, userId, password = PASSWORD) {
  await page.goto('/sign-in');
  await field(page, 'User ID').fill(userId);
  await field(page, 'Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  const home = page.getByRole('heading', { level: 1, name: 'Home' });
  const gate = page.getByRole('heading', { level: 1, name: 'Set up two-step sign-in' });
  const second = page.getByRole('form', { name: 'Second step' });
  await expect(home.or(gate).or(second)).toBeVisible();
  if (await second.isVisible()) {
    await second.getByLabel('Code').fill(await freshCode(page.request, userId));
    await second.getByLabel('Code').press('Enter');
  } else if (await gate.isVisible()) {
    await setUpAtGate(page, userId);
  }
  await expect(home).toBeFocused();
}

/** The code for setting up a first second factor mailed to `to` last. */
export async function emailedCode(request, to) {
  const mail = await mailTo(request, to, /your code to set up two-step sign-in/);
  const m = mail.body.match(/ is (\d{6})\./);
  if (!m) throw new Error(`no code in ${mail.body}`);
  return m[1];
}

/** Types the code mailed for setting up a first second factor into `section`'s "Code we
 * emailed you", reading the address from the steps shown. */
export async function fillEmailedCode(page, section) {
  const step = await section.getByText(/we emailed to/).textContent();
  const to = step.match(/emailed to (\S+@\S+?) /)[1];
  await section.getByLabel('Code we emailed you').fill(await emailedCode(page.request, to));
}

/** At the "Set up two-step sign-in" screen: an authenticator app (with the code mailed to the
 * owner: a first second factor from a password sign-in), its recovery codes, then on. */
export async function setUpAtGate(page, userId) {
  await expect(page.getByRole('heading', { level: 1, name: 'Set up two-step sign-in' })).toBeFocused();
  const section = page.getByRole('region', { name: 'Two-step sign-in' });
  await section.getByRole('button', { name: 'Set up an authenticator app' }).click();
  const secret = (await section.locator('figcaption code').textContent()).trim();
  await fillEmailedCode(page, section);
  await section.getByLabel('Code from the app').fill(await totpCode(page.request, secret));
  await section.getByLabel('Code from the app').press('Enter');
  await expect(section.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem')).toHaveCount(10);
  keepKey(userId, secret);
  await page.getByRole('button', { name: 'Continue to AMPS' }).click();
}

/** Signs out through the header. */
export async function signOut(page) {
  // Exact: My Information lists other sign-ins with their own "Sign out of …" buttons.
  await page.getByRole('banner').getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in to AMPS' })).toBeVisible();
}

/** Follows a link of the main navigation. */
export async function nav(page, name) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name }).click();
}

/** The newest development-mailbox message to `to` whose subject matches. */
export async function mailTo(request, to, subject = /./) {
  for (let i = 0; i < 50; i++) {
    const { messages } = await (await request.get('/api/v1/dev/mailbox')).json();
    const m = messages.find((x) => x.to.includes(to) && subject.test(x.subject));
    if (m) return m;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no mail to ${to} matching ${subject}`);
}

/** The first link to this server in a message body. */
export function linkIn(body) {
  const m = body.match(/https?:\/\/\S+/);
  if (!m) throw new Error(`no link in ${body}`);
  const u = new URL(m[0]);
  return u.pathname + u.search;
}

/** The body confirming the authenticator set up by `setup` (`POST /me/mfa/totp`'s answer):
 * its code, and the mailed code when the set-up said one was sent. */
export async function totpConfirmation(request, setup) {
  const data = { code: await totpCode(request, setup.secret) };
  if (setup.email_code_sent_to) data.email_code = await emailedCode(request, setup.email_code_sent_to);
  return data;
}

/** Authorization headers of a user signed in through the API, as in the page: with the code
 * of their authenticator, an administrator setting one up at the first sign-in. */
export async function apiAs(request, userId) {
  const r = await request.post('/api/v1/auth/login', { data: { user_id: userId, password: PASSWORD } });
  if (r.status() === 401) {
    const problem = await r.json();
    expect(problem.mfa_token, `${userId}: ${problem.detail}`).toBeTruthy();
    const s = await request.post('/api/v1/auth/login/second-factor', {
      data: { mfa_token: problem.mfa_token, code: await freshCode(request, userId) },
    });
    expect(s.status()).toBe(200);
    return { Authorization: `Bearer ${(await s.json()).access_token}` };
  }
  expect(r.status()).toBe(200);
  const headers = { Authorization: `Bearer ${(await r.json()).access_token}` };
  const me = await (await request.get('/api/v1/me', { headers })).json();
  if (!me.second_factor_needed) return headers;
  // Setting an authenticator up proves it for this sign-in; its next token says so.
  const setup = await (await request.post('/api/v1/me/mfa/totp', { headers })).json();
  const confirmed = await request.post('/api/v1/me/mfa/totp/confirm', {
    headers, data: await totpConfirmation(request, setup),
  });
  expect(confirmed.status()).toBe(200);
  keepKey(userId, setup.secret);
  const renewed = await request.post('/api/v1/auth/refresh');
  expect(renewed.status()).toBe(200);
  return { Authorization: `Bearer ${(await renewed.json()).access_token}` };
}

/** The administrator adds an EBS role approved by the supervisor alone (with `extra` fields of
 * the role, e.g. its period); returns its id. */
export async function supervisorOnlyRole(request, name, extra = {}) {
  const admin = await apiAs(request, 'aadmin');
  const apps = await (await request.get('/api/v1/applications', { headers: admin })).json();
  const ebs = apps.find((a) => a.code === 'EBS');
  const r = await request.post('/api/v1/roles', {
    headers: admin,
    data: {
      application_id: ebs.id, name, environment: 'PROD', requestable_by: 'both', min_it_level: 'none',
      chain: [{ kind: 'supervisor' }],
      ...extra,
    },
  });
  expect(r.status()).toBe(201);
  return (await r.json()).id;
}

/** `userId` submits a request for the roles through the API; returns the SAARs. */
export async function submitApi(request, userId, roleIds, justification) {
  const r = await request.post('/api/v1/saars', {
    headers: await apiAs(request, userId),
    data: {
      privacy_act_accepted: true, role_ids: roleIds, justification, request_type: 'initial',
      user_info: { ia_training_date: new Date().toISOString().slice(0, 10) },
    },
  });
  expect(r.status()).toBe(201);
  return (await r.json()).saars;
}

/** `userId` approves their open task of the SAAR through the API. */
export async function approveApi(request, userId, saarId, body = {}) {
  const headers = await apiAs(request, userId);
  const tasks = await (await request.get('/api/v1/approvals', { headers })).json();
  const t = tasks.find((x) => x.saar.id === saarId);
  expect(t, `${userId} has a task for ${saarId}`).toBeTruthy();
  const r = await request.post(`/api/v1/approvals/${t.id}/approve`, { headers, data: body });
  expect(r.status()).toBe(200);
}

/** The provisioner completes the task of the SAAR through the API. */
export async function completeApi(request, saarNumber) {
  const headers = await apiAs(request, 'pprovisioner');
  const tasks = await (await request.get('/api/v1/provisioning-tasks', { headers })).json();
  const t = tasks.find((x) => x.saar_number === saarNumber);
  expect(t, `a provisioning task for ${saarNumber}`).toBeTruthy();
  const r = await request.post(`/api/v1/provisioning-tasks/${t.id}/complete`, { headers, data: { note: 'done' } });
  expect(r.status()).toBe(200);
}

/** The server's today (its development clock), as YYYY-MM-DD, plus `days`. */
export async function serverDay(request, days = 0) {
  const r = await request.get('/api/v1/dev/clock');
  expect(r.status()).toBe(200);
  const now = new Date((await r.json()).now);
  return new Date(now.getTime() + days * 86400000).toISOString().slice(0, 10);
}

/** Moves the server's clock `days` forward (its jobs then act as they would that much later). */
export async function advanceDays(request, days) {
  const r = await request.post('/api/v1/dev/clock', { data: { seconds: Math.round(days * 86400) } });
  expect(r.status()).toBe(200);
}

/** The code an authenticator app with base32 `secret` shows now, by the server's clock
 * (RFC 6238: HMAC-SHA-1, 6 digits, 30-second steps), `steps` steps later. */
export async function totpCode(request, secret, steps = 0) {
  const { createHmac } = await import('node:crypto');
  const r = await request.get('/api/v1/dev/clock');
  expect(r.status()).toBe(200);
  const now = Math.floor(new Date((await r.json()).now).getTime() / 1000);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const ch of secret.replace(/=+$/, '')) bits += alphabet.indexOf(ch).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(now / 30) + steps));
  const mac = createHmac('sha1', key).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const value = (mac.readUInt32BE(offset) & 0x7fffffff) % 1000000;
  return value.toString().padStart(6, '0');
}
