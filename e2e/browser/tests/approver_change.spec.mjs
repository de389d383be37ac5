// A user asks for a new supervisor in My Information: nothing changes until the person named
// accepts in their Approvals inbox; then the new supervisor is on the profile. Each screen is
// checked with axe.
import { apiAs, checkPage, expect, field, nav, signIn, signOut, test } from './helpers.mjs';

test('a new supervisor is asked, and takes over only when they accept', async ({ page, request }) => {
  await signIn(page, 'hhelpdesk');
  await nav(page, 'My Information');
  await field(page, 'New supervisor User ID').fill('iiao');
  await page.getByRole('button', { name: 'Change approvers' }).click();
  await expect(page.getByRole('status').first()).toContainText('is asked to accept');
  const approvers = page.getByRole('region', { name: 'Approvers', exact: true });
  await expect(approvers).toContainText('Sam Supervisor');
  await expect(approvers).toContainText('Ivy Assurance (iiao) is asked to be your supervisor');
  await checkPage(page, '40-approver-change-asked');
  await signOut(page);

  await signIn(page, 'iiao');
  await nav(page, /Approvals/);
  const ask = page.getByRole('article', { name: 'Hal Helpdesk (hhelpdesk) asks you to be their supervisor' });
  await expect(ask).toBeVisible();
  await checkPage(page, '41-approver-change-request');
  await ask.getByRole('button', { name: 'Accept' }).click();
  await expect(page.getByRole('status').first()).toContainText("You are now Hal Helpdesk's supervisor.");
  await expect(ask).toHaveCount(0);
  await signOut(page);

  await signIn(page, 'hhelpdesk');
  await nav(page, 'My Information');
  await expect(page.getByRole('region', { name: 'Approvers', exact: true })).toContainText('Ivy Assurance');

  // An administrator sets it back at once (a supervisor's hand-over would wait for Sam to
  // accept), for the other journeys.
  const me = await (await request.get('/api/v1/me', { headers: await apiAs(request, 'hhelpdesk') })).json();
  const r = await request.patch(`/api/v1/users/${me.id}/approvers`, {
    headers: await apiAs(request, 'aadmin'),
    data: { supervisor: 'ssupervisor' },
  });
  expect(r.status()).toBe(200);
});
