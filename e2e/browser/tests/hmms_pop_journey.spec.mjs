// The seed procedure's HMMS-POP journey, in the browser: an external vendor registers,
// verifies the email, requests "Web User POP-001" through the wizard with the seed's
// justification; the EAO approves through the single-use link in its email (no sign-in), the
// security officer, data owner and IAO in their inboxes; the provisioner completes; the vendor
// gets the email and sees the role in Current Roles.
import { checkPage, expect, field, linkIn, nav, signIn, signOut, test } from './helpers.mjs';

const JUSTIFICATION = 'Need access to HMMS-POP in order to process hazardous material shipments.';
const userId = `hazmat${Date.now() % 100000}`;
const email = `${userId}@acme.example`;
const password = 'amber falcon harbor 2026';

async function mail(request, to, contains, subject = /./) {
  for (let i = 0; i < 50; i++) {
    const { messages } = await (await request.get('/api/v1/dev/mailbox')).json();
    const m = messages.find((x) => x.to.includes(to) && x.body.includes(contains) && subject.test(x.subject));
    if (m) return m;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no mail to ${to} containing ${contains}`);
}

test('HMMS-POP: register, request, approve along the chain, provision, see it', async ({ page, request }) => {
  await page.goto('/register');
  await field(page, 'User ID').fill(userId);
  await field(page, 'Password').fill(password);
  await field(page, 'Confirm password').fill(password);
  await field(page, 'First name').fill('Harper');
  await field(page, 'Last name').fill('Shipper');
  await field(page, 'Official email').fill(email);
  await field(page, 'Phone').fill('+1 703 555 0199');
  await field(page, 'Company').fill('Acme Hazmat Logistics');
  await field(page, 'External Authorizing Official email').fill('erin.authorizer@dla.example');
  await page.getByRole('button', { name: 'Register' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Check your email' })).toBeVisible();
  const verify = await mail(request, email, 'verify');
  await page.goto(linkIn(verify.body));
  await page.getByRole('button', { name: 'Confirm email address' }).click();
  await expect(page.getByRole('status')).toContainText('verified');

  await signIn(page, userId, password);
  await nav(page, 'Request a role');
  await page.getByRole('button', { name: 'Accept' }).click();
  await expect(page.getByRole('heading', { level: 2, name: 'User Information' })).toBeFocused();
  await page.getByLabel(/IA \/ cyber-awareness training/).fill(new Date().toISOString().slice(0, 10));
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByLabel('Role name or application').fill('Web User POP-001');
  await page.keyboard.press('Enter');
  const results = page.getByRole('listbox', { name: 'Search results' });
  await results.focus();
  await page.keyboard.press('Home');
  await page.getByRole('button', { name: 'Add the highlighted role to Selected Roles' }).click();
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByLabel(/^Justification/).fill(JUSTIFICATION);
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByRole('button', { name: 'Submit' }).click();
  const confirmation = page.getByRole('status');
  await expect(confirmation).toContainText('SAAR-');
  const number = (await confirmation.textContent()).match(/SAAR-\d{4}-\d+/)[0];
  await page.getByRole('link', { name: /Pending Requests/ }).click();
  const pending = page.getByRole('region', { name: 'Pending Requests' });
  await expect(pending).toContainText(number);
  await expect(pending).toContainText('Waiting on');
  await checkPage(page, '40-journey-pending');
  await signOut(page);

  // The EAO decides from the single-use link in the email, without signing in, with the
  // keyboard alone.
  const eaoMail = await mail(request, 'erin.authorizer@dla.example', number);
  const href = eaoMail.body.match(/https?:\/\/\S*\/approval-link\?token=\S+/);
  expect(href, 'the EAO email carries an approval link').toBeTruthy();
  const link = new URL(href[0]);
  await page.goto(link.pathname + link.search);
  await expect(page.getByRole('heading', { level: 1, name: 'Approve an access request' })).toBeFocused();
  await expect(page.getByRole('main')).toContainText(JUSTIFICATION);
  await checkPage(page, '41-journey-eao-link');
  await page.getByLabel(/^Comment/).focus();
  await page.keyboard.type('Acme Hazmat Logistics is under contract for these shipments.');
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: 'Approve' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('status')).toContainText(`${number} is approved`);
  // The link was good for one decision.
  await page.goto(link.pathname + link.search);
  await expect(page.getByRole('alert')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Approve' })).toHaveCount(0);

  for (const approver of ['ssecurity', 'ddataowner', 'iiao']) {
    await signIn(page, approver);
    await nav(page, /Approvals/);
    const card = page.getByRole('article', { name: new RegExp(number) });
    await expect(card).toContainText(JUSTIFICATION);
    if (approver === 'ssecurity') await card.getByLabel('IT level of the user').selectOption('III');
    await card.getByRole('button', { name: 'Approve' }).click();
    await expect(page.getByRole('status').first()).toContainText(`${number}: approved`);
    await signOut(page);
  }

  await signIn(page, 'pprovisioner');
  await nav(page, 'Provisioning');
  const task = page.getByRole('article', { name: new RegExp(number) });
  await task.getByLabel('Note').fill('HMMS-POP account created');
  await task.getByRole('button', { name: 'Mark done' }).click();
  await expect(page.getByRole('status')).toContainText(`${number}: done`);
  await signOut(page);

  const granted = await mail(request, email, number, /grant/i);
  expect(granted.body).toContain('Web User POP-001');
  await signIn(page, userId, password);
  await nav(page, 'My Information');
  await page.getByRole('tab', { name: 'Applications & Roles' }).click();
  const roles = page.getByRole('region', { name: 'Current Roles' });
  await expect(roles).toContainText('Web User POP-001');
  await expect(roles).toContainText(number);
  await checkPage(page, '42-journey-current-roles');
});
