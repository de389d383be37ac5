// Account statuses: the help desk finds a person in Users, disables their account with a
// reason; the person's sign-in is refused with that reason and whom to call; the help desk
// enables it again and the history shows both changes. The help desk creates a contractor's
// account; the contractor sets a password through the mailed invitation and signs in. Each
// screen is checked with axe.
import { apiAs, checkPage, expect, field, linkIn, mailTo, nav, PASSWORD, signIn, signOut, submitApi, supervisorOnlyRole, test } from './helpers.mjs';

test('the help desk disables an account with a reason and enables it again', async ({ page, request }) => {
  const reason = 'Victor asked us to pause his account while he is on leave.';
  await signIn(page, 'hhelpdesk');
  await nav(page, 'Users');
  await page.getByRole('searchbox', { name: 'User ID, name or email' }).fill('vvendor');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('button', { name: 'Manage vvendor' }).click();
  const account = page.getByRole('region', { name: /Account vvendor/ });
  await expect(account).toContainText('No change of status recorded.');
  await expect(account.getByRole('heading', { name: 'Recent mail' })).toBeVisible();
  await account.getByLabel('New status').selectOption('disabled');
  await account.getByLabel('Reason (the person reads it)').fill(reason);
  await checkPage(page, '50-account-status');
  await account.getByRole('button', { name: 'Change the status of vvendor' }).click();
  await expect(page.getByRole('status').first()).toContainText('vvendor: status changed.');
  await expect(account).toContainText(reason);
  await signOut(page);

  await page.goto('/sign-in');
  await field(page, 'User ID').fill('vvendor');
  await field(page, 'Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  const refusal = page.getByRole('alert');
  await expect(refusal).toContainText('This account is disabled.');
  await expect(refusal).toContainText(reason);
  await expect(refusal).toContainText('the AMPS help desk');
  await checkPage(page, '51-sign-in-refused');

  // From the sign-in page, Victor asks for his account's status: it goes to his address.
  await page.getByRole('link', { name: "Check your account's status" }).click();
  await field(page, 'User ID').fill('vvendor');
  await checkPage(page, '51b-profile-status');
  await page.getByRole('button', { name: "Email me my account's status" }).click();
  await expect(page.getByRole('status')).toBeVisible();
  const status = await mailTo(request, 'victor.vendor@acme.example', /the status of your account/);
  expect(status.body).toContain(reason);

  await signIn(page, 'hhelpdesk');
  await nav(page, 'Users');
  await page.getByRole('searchbox', { name: 'User ID, name or email' }).fill('vvendor');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('button', { name: 'Manage vvendor' }).click();
  await account.getByLabel('New status').selectOption('active');
  await account.getByLabel('Reason (the person reads it)').fill('Victor is back from leave.');
  await account.getByRole('button', { name: 'Change the status of vvendor' }).click();
  await expect(account).toContainText('disabled → active');
  await signOut(page);
  await signIn(page, 'vvendor');
});

test('the help desk creates a contractor account; the person sets a password and signs in', async ({ page, request }) => {
  await signIn(page, 'hhelpdesk');
  await nav(page, 'Users');
  await page.getByRole('button', { name: 'Create an account' }).click();
  const form = page.getByRole('region', { name: 'Create an account' });
  await field(form, 'User ID').fill('ccontractor');
  await field(form, 'First name').fill('Cora');
  await field(form, 'Last name').fill('Contractor');
  await field(form, 'Official email').fill('cora.contractor@dla.example');
  await field(form, 'Phone').fill('+1 703 555 0177');
  await form.getByLabel('Organization').selectOption('DLA');
  await form.getByLabel('User type').selectOption('contractor');
  await field(form, 'Company').fill('Acme Logistics');
  await field(form, 'Contract number').fill('SP4701-26-D-0042');
  await field(form, "Supervisor's User ID").fill('ssupervisor');
  // The contract end date is missing: the field says so, nothing is created.
  await form.getByRole('button', { name: 'Create and send the invitation' }).click();
  await expect(form.getByText('is required for a contractor')).toBeVisible();
  await form.getByLabel('Contract end date').fill('2099-06-30');
  await checkPage(page, '52-create-account');
  await form.getByRole('button', { name: 'Create and send the invitation' }).click();
  await expect(page.getByRole('status').first()).toContainText('Account ccontractor created');
  const account = page.getByRole('region', { name: /Account ccontractor/ });
  await expect(account).toContainText('contract SP4701-26-D-0042');
  await expect(account).toContainText('has not set a password yet');
  await signOut(page);

  const mail = await mailTo(request, 'cora.contractor@dla.example', /set your password/);
  await page.goto(linkIn(mail.body));
  await expect(page.getByRole('heading', { level: 1, name: 'Set your password' })).toBeVisible();
  await field(page, 'Password').fill('Harbor lights over the depot');
  await field(page, 'Confirm password').fill('Harbor lights over the depot');
  await checkPage(page, '53-invitation');
  await page.getByRole('button', { name: 'Set password' }).click();
  await expect(page.getByRole('status')).toContainText('Your account is active');
  await signIn(page, 'ccontractor', 'Harbor lights over the depot');
});

test("a supervisor deletes a direct report's account from Direct Reports", async ({ page, request }) => {
  // ccontractor (created above, supervisor ssupervisor) holds no role: deleted at once.
  await signIn(page, 'ssupervisor');
  await nav(page, 'My Information');
  await page.getByRole('tab', { name: 'Direct Reports' }).click();
  const report = page.getByRole('article', { name: /Cora Contractor/ });
  await report.getByText('Delete User: Cora Contractor').click();
  const form = report.getByRole('form', { name: 'Delete Cora Contractor' });
  // No reason: nothing happens but the message.
  await form.getByRole('button', { name: 'Delete Cora Contractor…' }).click();
  await expect(page.getByRole('alert').first()).toContainText('at least 5 characters');
  await form.getByLabel('Reason (the person reads it)').fill('Her contract task order ended early.');
  await form.getByRole('button', { name: 'Delete Cora Contractor…' }).click();
  await expect(form.getByRole('alert')).toContainText('disabled at once');
  await checkPage(page, '54-delete-user');
  await form.getByRole('button', { name: 'Yes, delete' }).click();
  await expect(page.getByRole('status').first()).toContainText('Cora Contractor is deleted.');
  await expect(page.getByRole('article', { name: /Cora Contractor/ })).toHaveCount(0);
  const mail = await mailTo(request, 'cora.contractor@dla.example', /your account is deleted/);
  expect(mail.body).toContain('Her contract task order ended early.');
  await signOut(page);

  await page.goto('/sign-in');
  await field(page, 'User ID').fill('ccontractor');
  await field(page, 'Password').fill('Harbor lights over the depot');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toContainText('User ID or password is incorrect');
});

test("the help desk finds a person's request by its number and sends the approval mail again", async ({ page, request }) => {
  const role = await supervisorOnlyRole(request, 'Invoice Auditor (help desk journey)');
  const [saar] = await submitApi(request, 'jrequester', [role], 'Audits the invoices of the Richmond depot.');
  await signIn(page, 'hhelpdesk');
  await nav(page, 'Users');
  await page.getByRole('searchbox', { name: 'User ID, name or email' }).fill(saar.number);
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('button', { name: 'Manage jrequester' }).click();
  const account = page.getByRole('region', { name: /Account jrequester/ });
  const row = account.getByRole('row', { name: new RegExp(saar.number) });
  await expect(row).toContainText('Invoice Auditor (help desk journey)');
  await expect(row).toContainText('Sam Supervisor');
  await checkPage(page, '57-account-requests');
  await row.getByRole('button', { name: `Send the approval mail of ${saar.number} again` }).click();
  await expect(page.getByRole('status').first()).toContainText(`The approval request of ${saar.number} went again to 1 approver(s).`);
  const mail = await mailTo(request, 'sam.supervisor@dla.example', new RegExp(saar.number));
  expect(mail.body).toContain(saar.number);
  // Jane withdraws it, so Sam's inbox is as the other journeys expect.
  const r = await request.post(`/api/v1/saars/${saar.id}/cancel`, { headers: await apiAs(request, 'jrequester') });
  expect(r.status()).toBe(200);
});
