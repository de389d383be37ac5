// Nobody approves their own access: the data owner of a role asks for it, and the data-owner
// level goes to the AMPS administrators; the requester sees whom the request waits on and why,
// and an administrator finds it in their Approvals inbox. Each screen is checked with axe.
import { apiAs, approveApi, checkPage, expect, nav, signIn, signOut, submitApi, test } from './helpers.mjs';

test('a data owner asking for their own role waits on the administrators, and is told why', async ({ page, request }) => {
  const headers = await apiAs(request, 'ddataowner');
  const found = await (await request.get('/api/v1/roles?q=EBS%20Inquiry%20User', { headers })).json();
  const role = found.find((r) => r.name === 'EBS Inquiry User' && r.environment === 'PROD');
  const [saar] = await submitApi(request, 'ddataowner', [role.id], 'Need EBS inquiries to reconcile shipments.');
  await approveApi(request, 'ssupervisor', saar.id);
  await approveApi(request, 'ssecurity', saar.id);

  await signIn(page, 'ddataowner');
  await nav(page, 'My Information');
  await page.getByRole('tab', { name: 'Applications & Roles' }).click();
  const card = page.getByRole('article', { name: `${saar.number} EBS Inquiry User` });
  await expect(card).toContainText('AMPS administrators (data owner)');
  await expect(card).toContainText('Dan Dataowner is the person this request is for; sent to the AMPS administrators.');
  await checkPage(page, '50-own-access-waits-on-administrators');
  await signOut(page);

  await signIn(page, 'aadmin');
  await nav(page, /Approvals/);
  await expect(page.getByRole('article', { name: new RegExp(saar.number) })).toBeVisible();
});
