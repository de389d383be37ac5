// Help: from the sign-in page and from any page's footer, a person reaches whom to call (the
// server's help desk contact) and the short guides, without signing in; keyboard only; axe.
import { apiAs, checkPage, expect, nav, signIn, test } from './helpers.mjs';

test('help is reachable before and after sign-in, with the help desk contact', async ({ page }) => {
  await page.goto('/sign-in');
  await page.getByRole('link', { name: 'Help: whom to call, and how to sign in' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { level: 1, name: 'Help' })).toBeFocused();
  await expect(page.getByRole('region', { name: 'Contact the help desk' })).toContainText('the AMPS help desk');
  for (const guide of ['Trouble signing in', 'Accessing AMPS', 'Requesting a role', 'Registering as an external user']) {
    await expect(page.getByRole('heading', { level: 2, name: guide })).toBeVisible();
  }
  await checkPage(page, '59-help');

  await signIn(page, 'jrequester');
  await page.getByRole('contentinfo').getByRole('link', { name: 'Help', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Help' })).toBeFocused();
});

test("My Information shows the organization's security officers and IAO", async ({ page, request }) => {
  const admin = await apiAs(request, 'aadmin');
  const orgs = await (await request.get('/api/v1/organizations', { headers: admin })).json();
  const dla = orgs.find((o) => o.code === 'DLA');
  const r = await request.put(`/api/v1/organizations/${dla.id}/officers`, {
    headers: admin,
    data: { security_officers: ['ssecurity'], iaos: ['iiao'] },
  });
  expect(r.status()).toBe(200);
  await signIn(page, 'jrequester');
  await nav(page, 'My Information');
  const approvers = page.getByRole('region', { name: 'Approvers', exact: true });
  await expect(approvers).toContainText('Security Officer(s) of DLA');
  await expect(approvers).toContainText('Sara Securityofficer (ssecurity)');
  await expect(approvers).toContainText('Information Assurance Officer');
  await expect(approvers).toContainText('(iiao)');
  await checkPage(page, '60-my-information-officers');
});
