// The audit trail (#17): a requester opens the history of their request (each event with its
// seal) and downloads it as a DD Form 2875 PDF; the administrator searches the trail for what that requester did, checks the hash
// chain and downloads the search as CSV, with the keyboard where a person would use it. axe on
// each state. A plain user has no Audit trail link (the API refuses them: api/tests/api/audit.rs).
import { readFile } from 'node:fs/promises';
import { checkPage, expect, nav, signIn, signOut, submitApi, supervisorOnlyRole, test } from './helpers.mjs';

test('a request has a history, and the administrator searches, checks and exports the trail', async ({ page, request }) => {
  const run = Date.now().toString(36);
  const role = await supervisorOnlyRole(request, `Audit Reader ${run}`);
  const [saar] = await submitApi(request, 'jrequester', [role], 'Quarterly audit reading, read only.');

  await signIn(page, 'jrequester');
  await expect(page.getByRole('link', { name: 'Audit trail' })).toHaveCount(0);
  await nav(page, 'My Information');
  await page.getByRole('tab', { name: 'Applications & Roles' }).click();
  const pending = page.getByRole('region', { name: 'Pending Requests' });
  const history = pending.getByText(`History of ${saar.number}`);
  await history.focus();
  await page.keyboard.press('Enter');
  const table = pending.getByRole('table', { name: 'History' });
  await expect(table).toContainText('submitted');
  await expect(table).toContainText('jrequester');
  // The running server seals each event: its place and hash in the chain.
  await expect(table.getByRole('cell', { name: /^#\d+ [0-9a-f]{12}…$/ })).toHaveCount(1);
  await checkPage(page, '76-saar-history');
  // The request as a DD Form 2875, to print and sign off.
  const pdf = page.waitForEvent('download');
  await pending.getByRole('button', { name: `Download ${saar.number} as DD Form 2875 (PDF)` }).click();
  const form = await pdf;
  expect(form.suggestedFilename()).toBe(`DD2875-${saar.number}.pdf`);
  expect((await readFile(await form.path())).subarray(0, 5).toString()).toBe('%PDF-');
  await signOut(page);

  await signIn(page, 'aadmin');
  await nav(page, 'Audit trail');
  const search = page.getByRole('search', { name: 'Audit trail' });
  await search.getByLabel('Who acted (User ID)').fill('jrequester');
  await search.getByLabel('Action or prefix (e.g. saar.)').fill('saar.');
  await search.getByLabel('Action or prefix (e.g. saar.)').press('Enter');
  const events = page.getByRole('table', { name: 'Audit events, newest first' });
  await expect(events).toContainText(`saar:${saar.id}`);
  await expect(events).toContainText('saar.submitted');
  const actors = await events.locator('tbody tr td:nth-child(2)').allTextContents();
  expect(actors.length).toBeGreaterThan(0);
  expect(actors.every((a) => a.startsWith('jrequester'))).toBe(true);
  await checkPage(page, '77-audit-search');

  await page.getByRole('button', { name: 'Check the audit chain' }).click();
  await expect(page.getByRole('status').first()).toContainText(/The audit chain is intact: \d+ events, each sealed\./);

  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download CSV' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toBe('amps-audit-events.csv');
  const csv = await readFile(await file.path(), 'utf8');
  const lines = csv.trim().split('\n');
  expect(lines[0]).toBe('id,seq,at,actor,action,target,ip,details,hash');
  expect(lines.some((l) => l.includes(`saar:${saar.id}`) && l.includes('saar.submitted'))).toBe(true);
  await expect(page.getByRole('status').first()).toContainText(`Downloaded ${lines.length - 1} events as CSV.`);
  await checkPage(page, '78-audit-checked');
});
