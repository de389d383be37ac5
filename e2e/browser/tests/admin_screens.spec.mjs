// Administration screens: the administrator changes a role in the catalog (the requester's
// search follows), adds an SoD rule; the help desk searches the users list. Navigation shows
// each screen only to those whose roles allow it.
import { test, expect } from '@playwright/test';
import { apiAs, checkPage, nav, signIn, signOut } from './helpers.mjs';

test('catalog administration and the users list', async ({ page, request }) => {
  await signIn(page, 'jrequester');
  const main = page.getByRole('navigation', { name: 'Main' });
  await expect(main.getByRole('link', { name: 'Catalog' })).toHaveCount(0);
  await expect(main.getByRole('link', { name: 'Users' })).toHaveCount(0);
  await signOut(page);

  await signIn(page, 'aadmin');
  await nav(page, 'Catalog');
  await expect(page.getByRole('heading', { level: 1, name: 'Catalog' })).toBeFocused();
  const card = page.getByRole('article', { name: 'Web User POP-001 (HMMS-POP, TEST)' });
  await expect(card).toContainText('visible to');
  await checkPage(page, '50-catalog');
  await card.getByText('Change Web User POP-001').click();
  await card.getByLabel('Hidden (never listed in searches)').check();
  await card.getByLabel('Expires after (days; empty: never)').fill('180');
  await checkPage(page, '51-catalog-role-form');
  await card.getByRole('button', { name: 'Save Web User POP-001' }).click();
  await expect(page.getByRole('status').first()).toContainText('Web User POP-001 (HMMS-POP, TEST) saved.');
  await expect(page.getByRole('article', { name: 'Web User POP-001 (HMMS-POP, TEST)' })).toContainText('hidden');

  // A bad chain is refused with the reason, and nothing changes.
  const pop = page.getByRole('article', { name: 'Web User POP-001 (HMMS-POP, PROD)' });
  await pop.getByText('Change Web User POP-001').click();
  await pop.getByLabel('Approval chain').fill('supervisor, group:No such group');
  await pop.getByRole('button', { name: 'Save Web User POP-001' }).click();
  await expect(page.getByRole('alert')).toContainText('There is no approval group named No such group.');

  const headers = await apiAs(request, 'jrequester');
  const found = await (await request.get('/api/v1/roles?q=POP-001', { headers })).json();
  expect(found.map((r) => r.environment)).not.toContain('TEST');
  await signOut(page);

  await signIn(page, 'hhelpdesk');
  await nav(page, 'Users');
  await expect(page.getByRole('heading', { level: 1, name: 'Users' })).toBeFocused();
  await page.getByLabel('User ID, name or email').fill('vendor');
  await page.getByRole('button', { name: 'Search' }).click();
  const table = page.getByRole('table');
  await expect(table).toContainText('vvendor');
  await expect(table).not.toContainText('ssupervisor');
  await checkPage(page, '52-users');
});
