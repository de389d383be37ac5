// My Reports (#17): Dan (the demo's data owner, who holds Reports) opens the pending requests,
// switches to the approvers' workload, reads it as a chart and a table, sorts the table by a
// column from the keyboard, and downloads the report as CSV; on a slow line the download tells
// how many rows have come so far. axe on each state. A plain user
// has no My Reports link (the API refuses them: api/tests/api/reports.rs).
import { readFile } from 'node:fs/promises';
import { checkPage, expect, nav, signIn, signOut, submitApi, supervisorOnlyRole, test } from './helpers.mjs';

test('a holder of Reports reads, sorts and downloads My Reports', async ({ page, request }) => {
  const run = Date.now().toString(36);
  const role = await supervisorOnlyRole(request, `Report Reader ${run}`);
  const [saar] = await submitApi(request, 'jrequester', [role], 'Weekly workload figures.');

  await signIn(page, 'jrequester');
  await expect(page.getByRole('link', { name: 'My Reports' })).toHaveCount(0);
  await signOut(page);

  await signIn(page, 'ddataowner');
  await nav(page, 'My Reports');
  const table = page.getByRole('table', { name: 'Pending requests by level and age' });
  await expect(table).toContainText(saar.number);
  await expect(page.getByRole('figure')).toContainText('Pending steps by level and age');
  await checkPage(page, '79-reports-pending');

  const form = page.getByRole('search', { name: 'Report' });
  await form.getByLabel('Report').selectOption({ label: 'Approver workload and overdue tasks' });
  await form.getByRole('button', { name: 'Run the report' }).click();
  const workload = page.getByRole('table', { name: 'Approver workload and overdue tasks' });
  await expect(workload).toContainText('ssupervisor');
  await expect(page.getByRole('figure')).toContainText('Open tasks per approver');
  // Sorted by a column, from the keyboard.
  const header = workload.getByRole('columnheader', { name: /Open tasks/ });
  await header.getByRole('button').focus();
  await page.keyboard.press('Enter');
  await expect(header).toHaveAttribute('aria-sort', 'ascending');
  await page.keyboard.press('Enter');
  await expect(header).toHaveAttribute('aria-sort', 'descending');
  await checkPage(page, '80-reports-workload');

  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download CSV' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toBe('amps-approver-workload.csv');
  const csv = (await readFile(await file.path(), 'utf8')).trim().split('\n');
  expect(csv[0]).toBe('User ID,Approver,Approver is,Open tasks,Overdue');
  expect(csv.some((l) => l.startsWith('ssupervisor,'))).toBe(true);
  await expect(page.getByRole('status').first()).toContainText(`Downloaded ${csv.length - 1} rows as CSV.`);

  // A long report tells how far its download has come: on a slow line the rows arrive a few
  // at a time, and the count grows until the file is saved.
  await form.getByLabel('Report').selectOption({ label: 'Holders of roles' });
  await form.getByRole('button', { name: 'Run the report' }).click();
  await expect(page.getByRole('table', { name: 'Holders of roles' })).toContainText('aadmin');
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 50, downloadThroughput: 600, uploadThroughput: -1 });
  const slow = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download CSV' }).click();
  await expect(page.getByRole('status').first()).toContainText(/Downloading: \d+ rows so far/);
  const holders = await slow;
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  const lines = (await readFile(await holders.path(), 'utf8')).trim().split('\n');
  await expect(page.getByRole('status').first()).toContainText(`Downloaded ${lines.length - 1} rows as CSV.`);
  await checkPage(page, '81-reports-downloaded');
});
