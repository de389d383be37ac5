// A request returned for more information and resubmitted; a role removed by its holder (the
// supervisor approves, the provisioner deprovisions) and one removed by the supervisor from
// Direct Reports. Each screen is checked with axe.
import { approveApi, checkPage, completeApi, expect, nav, signIn, signOut, submitApi, supervisorOnlyRole, test } from './helpers.mjs';

const run = Date.now() % 100000;

test('return for more information, then resubmit and approve', async ({ page, request }) => {
  const role = await supervisorOnlyRole(request, `Shipment Viewer ${run}`);
  const [saar] = await submitApi(request, 'jrequester', [role], 'Need to see shipments for audits.');

  await signIn(page, 'ssupervisor');
  await nav(page, /Approvals/);
  const card = page.getByRole('article', { name: new RegExp(saar.number) });
  await card.getByLabel(/^Comment/).fill('Which audits, and for how long?');
  await card.getByRole('button', { name: 'Return for information' }).click();
  await expect(page.getByRole('status').first()).toContainText(`${saar.number}: returned to the requester`);
  await signOut(page);

  await signIn(page, 'jrequester');
  const needs = page.getByRole('region', { name: 'Needs you' });
  await expect(needs).toContainText(`${saar.number} (Shipment Viewer ${run}) was returned to you`);
  await needs.getByRole('link', { name: new RegExp(saar.number) }).click();
  await page.getByRole('tab', { name: 'Applications & Roles' }).click();
  const pending = page.getByRole('region', { name: 'Pending Requests' });
  await expect(pending).toContainText('Which audits, and for how long?');
  await checkPage(page, '30-returned-request');
  await pending.getByLabel(`Justification for ${saar.number}`).fill('Quarterly DLA shipment audits for FY2027, read only.');
  await pending.getByRole('button', { name: `Resubmit ${saar.number}` }).click();
  await expect(page.getByRole('status').first()).toContainText(`${saar.number} resubmitted.`);
  await signOut(page);

  await signIn(page, 'ssupervisor');
  await nav(page, /Approvals/);
  const again = page.getByRole('article', { name: new RegExp(saar.number) });
  await expect(again).toContainText('Quarterly DLA shipment audits');
  await again.getByRole('button', { name: 'Approve' }).click();
  await expect(page.getByRole('status').first()).toContainText(`${saar.number}: approved`);
});

test('a holder removes a role with approval; a supervisor removes a direct report role', async ({ page, request }) => {
  const mine = await supervisorOnlyRole(request, `Invoice Reader ${run}`);
  const theirs = await supervisorOnlyRole(request, `Invoice Writer ${run}`);
  for (const role of [mine, theirs]) {
    const [s] = await submitApi(request, 'jrequester', [role], 'Need invoices for shipment reconciliation.');
    await approveApi(request, 'ssupervisor', s.id);
    await completeApi(request, s.number);
  }

  // The holder asks to remove one role.
  await signIn(page, 'jrequester');
  await nav(page, 'My Information');
  await page.getByRole('tab', { name: 'Applications & Roles' }).click();
  await expect(page.getByRole('tabpanel')).toBeVisible();
  const roles = page.getByRole('region', { name: 'Current Roles' });
  await roles.getByLabel(`Reason to remove Invoice Reader ${run}`).fill('I moved to another team.');
  await roles.getByRole('button', { name: `Remove Invoice Reader ${run}` }).click();
  await expect(page.getByRole('status').first()).toContainText(`Removal of Invoice Reader ${run} requested`);
  await checkPage(page, '31-removal-requested');
  await signOut(page);

  // The supervisor approves the removal, then removes the other role from Direct Reports.
  await signIn(page, 'ssupervisor');
  await nav(page, /Approvals/);
  const removal = page.getByRole('article').filter({ hasText: `Invoice Reader ${run}` });
  await removal.getByRole('button', { name: 'Approve' }).click();
  await expect(page.getByRole('status').first()).toContainText('approved');
  await nav(page, 'My Information');
  await page.getByRole('tab', { name: 'Direct Reports' }).click();
  const report = page.getByRole('article', { name: /Jane Requester/ });
  await expect(report).toContainText(`Invoice Writer ${run}`);
  await checkPage(page, '32-direct-reports');
  await report.getByLabel(new RegExp(`Reason to remove Invoice Writer ${run}`)).fill('No longer reconciles invoices.');
  await report.getByRole('button', { name: new RegExp(`Remove Invoice Writer ${run}`) }).click();
  await expect(page.getByRole('status').first()).toContainText(`Removal of Invoice Writer ${run} from Jane Requester recorded`);
  await signOut(page);

  // The provisioner deprovisions both.
  await signIn(page, 'pprovisioner');
  await nav(page, 'Provisioning');
  for (const name of [`Invoice Reader ${run}`, `Invoice Writer ${run}`]) {
    const task = page.getByRole('article').filter({ hasText: name });
    await task.getByRole('button', { name: 'Mark done' }).click();
    await expect(page.getByRole('status').first()).toContainText('done');
  }
  await signOut(page);

  await signIn(page, 'jrequester');
  await nav(page, 'My Information');
  await page.getByRole('tab', { name: 'Applications & Roles' }).click();
  const after = page.getByRole('region', { name: 'Current Roles' });
  await expect(after).not.toContainText(`Invoice Reader ${run}`);
  await expect(after).not.toContainText(`Invoice Writer ${run}`);
});
