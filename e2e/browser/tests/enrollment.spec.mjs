// New IT User Enrollment: Sam (a supervisor who is also a COR) enrolls a new contractor with
// the keyboard; the contractor is mailed an invitation, the supervisor is told, and the COR
// extends the contract from the list of contractors he enrolled. Then he hands the contractor
// over to another supervisor, who accepts in Approvals. Checked with axe.
import { checkPage, expect, field, mailTo, nav, signIn, signOut, test } from './helpers.mjs';

test('a COR enrolls a new contractor and extends the contract', async ({ page, request }) => {
  // Nobody without the role sees the screen.
  await signIn(page, 'jrequester');
  await expect(page.getByRole('link', { name: 'New IT User Enrollment' })).toHaveCount(0);
  await signOut(page);

  await signIn(page, 'ssupervisor');
  await nav(page, 'New IT User Enrollment');
  await expect(page.getByRole('heading', { level: 1, name: 'New IT User Enrollment' })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Contractors you enrolled' })).toContainText('Nobody yet.');
  const form = page.getByRole('form', { name: 'Enroll a new contractor' });
  await field(form, 'User ID').fill('eenrolled');
  await field(form, 'First name').fill('Evan');
  await field(form, 'Last name').fill('Enrolled');
  await field(form, 'Official email').fill('evan.enrolled@dla.example');
  await field(form, 'Phone').fill('+1 703 555 0166');
  await field(form, 'Company').fill('Acme Logistics');
  await field(form, 'Contract number').fill('SP4701-27-D-0007');
  await form.getByLabel('Contract end date').fill('2099-06-30');
  // An unknown supervisor is refused on its field; nothing is created.
  await field(form, "Supervisor's User ID").fill('nobody');
  await form.getByRole('button', { name: 'Enroll and send the invitation' }).click();
  await expect(form.getByText('is not the User ID of an active internal account')).toBeVisible();
  await field(form, "Supervisor's User ID").fill('ssupervisor');
  await checkPage(page, '55-enrollment');
  // Submitted from the keyboard.
  await field(form, "Supervisor's User ID").press('Enter');
  await expect(page.getByRole('status').first()).toContainText('eenrolled is enrolled');
  const row = page.getByRole('row', { name: /Evan Enrolled/ });
  await expect(row).toContainText('pending verification');
  await expect(row).toContainText('2099-06-30');
  const invitation = await mailTo(request, 'evan.enrolled@dla.example', /set your password/);
  expect(invitation.body).toContain('eenrolled');
  await mailTo(request, 'sam.supervisor@dla.example', /Evan Enrolled joins as your report/);

  await row.getByLabel("New last day of Evan Enrolled's contract").fill('2100-06-30');
  await row.getByRole('button', { name: "Extend Evan Enrolled's contract" }).click();
  await expect(page.getByRole('status').first()).toContainText('now ends on 2100-06-30');
  await expect(page.getByRole('row', { name: /Evan Enrolled/ })).toContainText('2100-06-30');
  await checkPage(page, '56-enrolled');
});

test('a supervisor hands a report over; the new supervisor accepts', async ({ page }) => {
  // Evan (enrolled above) reports to Sam.
  await signIn(page, 'ssupervisor');
  await nav(page, 'My Information');
  await page.getByRole('tab', { name: 'Direct Reports' }).click();
  const report = page.getByRole('article', { name: /Evan Enrolled/ });
  const handOver = report.getByRole('form', { name: 'Hand Evan Enrolled over' });
  await handOver.getByLabel('Hand Evan Enrolled over to (supervisor\'s User ID)').fill('ddataowner');
  await checkPage(page, '58-hand-over');
  await handOver.getByRole('button', { name: 'Hand over', exact: true }).click();
  await expect(page.getByRole('status').first()).toContainText('We asked Dan Dataowner to accept Evan Enrolled');
  await signOut(page);

  await signIn(page, 'ddataowner');
  await nav(page, /Approvals/);
  const ask = page.getByRole('article', { name: /Evan Enrolled \(eenrolled\)/ });
  await ask.getByRole('button', { name: 'Accept' }).click();
  await expect(page.getByRole('status').first()).toContainText("You are now Evan Enrolled's supervisor.");
  await nav(page, 'My Information');
  await page.getByRole('tab', { name: 'Direct Reports' }).click();
  await expect(page.getByRole('article', { name: /Evan Enrolled/ })).toBeVisible();
});
