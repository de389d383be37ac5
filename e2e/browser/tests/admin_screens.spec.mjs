// Administration screens: the administrator changes a role in the catalog (the requester's
// search follows), adds an SoD rule; the help desk searches the users list. Navigation shows
// each screen only to those whose roles allow it.
import { apiAs, checkPage, expect, nav, signIn, signOut, test } from './helpers.mjs';

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

test('an administrator staffs a new approval group and adds a role it approves', async ({ page, request }) => {
  const suffix = Date.now().toString(36);
  const group = `Hazmat reviewers ${suffix}`;
  const role = `Hazmat Reviewer ${suffix}`;
  await signIn(page, 'aadmin');
  await nav(page, 'Catalog');

  // A new group, then its first member found by name.
  await page.getByText('Add an approval group').click();
  const groupForm = page.getByRole('form', { name: 'New approval group' });
  await groupForm.getByLabel('Group name').fill(group);
  await groupForm.getByLabel('Description').fill('Review hazardous-material roles');
  await groupForm.getByRole('button', { name: 'Add group' }).click();
  await expect(page.getByRole('status').first()).toContainText(`Group ${group} added.`);
  const card = page.getByRole('article', { name: group });
  await expect(card).toContainText('No members');
  await card.getByLabel(`Find a member for ${group}`).fill('ssecurity');
  await card.getByLabel(`Find a member for ${group}`).press('Enter');
  await card.getByRole('button', { name: /^Choose .*\(ssecurity\)$/ }).click();
  await expect(page.getByRole('status').first()).toContainText(`added to ${group}.`);
  await expect(page.getByRole('article', { name: group })).toContainText('(ssecurity)');
  await checkPage(page, '53-catalog-groups');

  // A role approved by the supervisor, then the group.
  await page.getByText('Add a role', { exact: true }).click();
  const roleForm = page.getByRole('form', { name: 'New role' });
  await roleForm.getByLabel('Application').selectOption({
    label: 'Hazardous Material Management System - Performance Oriented Packaging (HMMS-POP)',
  });
  await roleForm.getByLabel('Role name').fill(role);
  await roleForm.getByLabel('Approval chain').fill(`supervisor, group:${group}`);
  await checkPage(page, '54-catalog-new-role');
  await roleForm.getByRole('button', { name: 'Add role' }).click();
  await expect(page.getByRole('status').first()).toContainText(`Role ${role} (HMMS-POP, PROD) added.`);

  // The requester finds it, and a request for it waits on the supervisor, then the group.
  const headers = await apiAs(request, 'jrequester');
  const found = await (await request.get(`/api/v1/roles?q=${encodeURIComponent(role)}`, { headers })).json();
  expect(found.map((r) => r.name)).toEqual([role]);
  expect(found[0].chain.map((l) => l.kind)).toEqual(['supervisor', 'group']);

  // The role's data owner is chosen by name in its editor.
  await page.getByLabel('Role or application').fill(role);
  await page.getByRole('button', { name: 'Search roles' }).click();
  const roleCard = page.getByRole('article', { name: `${role} (HMMS-POP, PROD)` });
  await roleCard.getByText(`Change ${role}`).click();
  await roleCard.getByLabel(`Find a data owner for ${role}`).fill('ddataowner');
  await roleCard.getByLabel(`Find a data owner for ${role}`).press('Enter');
  await roleCard.getByRole('button', { name: /^Choose .*\(ddataowner\)$/ }).click();
  await expect(roleCard).toContainText('(ddataowner), saved with the role');
  await roleCard.getByRole('button', { name: `Save ${role}` }).click();
  await expect(page.getByRole('status').first()).toContainText(`${role} (HMMS-POP, PROD) saved.`);
  const admin = await apiAs(request, 'aadmin');
  const owner = (await (await request.get('/api/v1/users?q=ddataowner', { headers: admin })).json()).users[0];
  const facts = (await (await request.get(`/api/v1/roles?all=true&q=${encodeURIComponent(role)}`, { headers: admin })).json())[0].catalog;
  expect(facts.data_owner_id).toBe(owner.id);

  // Removing the member empties the group again.
  await page.getByRole('article', { name: group }).getByRole('button', { name: /^Remove .* from / }).click();
  await expect(page.getByRole('status').first()).toContainText(`removed from ${group}.`);
  await expect(page.getByRole('article', { name: group })).toContainText('No members');
});
