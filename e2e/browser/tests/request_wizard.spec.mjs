// The Role Request wizard, keyboard first: the external vendor accepts the Privacy Act
// Statement, checks the user information, finds "Web User POP-001", moves it to Selected
// Roles with the keyboard, adds the prerequisite it is offered, writes the seed's
// justification, survives a reload on the Summary, attaches a file, submits (the file goes
// to each new SAAR), and sees Pending Requests.
import { apiAs, checkPage, expect, field, test } from './helpers.mjs';

const PASSWORD = 'Demo password for AMPS 2026';
const JUSTIFICATION = 'Need access to HMMS-POP in order to process hazardous material shipments.';

test('request a role through the wizard', async ({ page, request }) => {
  await page.goto('/sign-in');
  await field(page, 'User ID').fill('vvendor');
  await field(page, 'Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Home' })).toBeVisible();

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Request a role' }).click();
  await expect(page.getByRole('heading', { level: 2, name: 'Privacy Act Statement' })).toBeVisible();
  await checkPage(page, '20-wizard-privacy');
  await page.getByRole('button', { name: 'Accept' }).click();

  const info = page.getByRole('heading', { level: 2, name: 'User Information' });
  await expect(info).toBeFocused();
  await expect(page.getByLabel(/IA \/ cyber-awareness training/)).not.toHaveValue('');
  await checkPage(page, '21-wizard-user-information');
  await page.getByRole('button', { name: 'Next' }).click();

  await expect(page.getByRole('heading', { level: 2, name: 'Select Roles' })).toBeFocused();
  await page.getByLabel('Role name or application').fill('Web User POP-001');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('status')).toContainText('1 role found');
  const results = page.getByRole('listbox', { name: 'Search results' });
  await results.focus();
  await page.keyboard.press('Home');
  await expect(results.getByRole('option', { selected: true })).toContainText('Web User POP-001 (HMMS-POP, PROD)');
  await page.getByRole('button', { name: 'Add the highlighted role to Selected Roles' }).click();
  const chosen = page.getByRole('listbox', { name: 'Selected Roles' });
  await expect(chosen.getByRole('option')).toHaveText(['Web User POP-001 (HMMS-POP, PROD)']);
  await expect(page.getByRole('list', { name: 'Prerequisites' })).toContainText('needs EBS Inquiry User');
  await page.getByRole('button', { name: 'Add EBS Inquiry User' }).click();
  await expect(chosen.getByRole('option')).toHaveCount(2);
  await checkPage(page, '22-wizard-select-roles');
  await page.getByRole('button', { name: 'Next' }).click();

  await expect(page.getByRole('heading', { level: 2, name: 'Justification' })).toBeFocused();
  await page.getByLabel(/^Justification/).fill(JUSTIFICATION);
  await checkPage(page, '23-wizard-justification');
  await page.getByRole('button', { name: 'Next' }).click();

  await expect(page.getByRole('heading', { level: 2, name: 'Summary' })).toBeFocused();
  await page.reload();
  await expect(page.getByRole('heading', { level: 2, name: 'Summary' })).toBeVisible();
  await expect(page.locator('dl.facts')).toContainText(JUSTIFICATION);
  await expect(page.locator('dl.facts')).toContainText('EBS Inquiry User');
  await checkPage(page, '24-wizard-summary');

  // Back to the Justification to attach a file (chosen files do not survive a reload).
  await page.getByRole('button', { name: 'Back' }).click();
  await expect(page.getByRole('heading', { level: 2, name: 'Justification' })).toBeFocused();
  await page.getByLabel('Attachments (optional)').setInputFiles({
    name: 'contract-letter.txt',
    mimeType: 'text/plain',
    buffer: Buffer.from('Acme Hazmat Logistics holds DLA contract SP4701-26-D-0001.\n'),
  });
  const attached = page.getByRole('list', { name: 'Chosen attachments' });
  await expect(attached).toContainText('contract-letter.txt');
  await page.getByRole('button', { name: 'Next' }).click();
  await expect(page.locator('dl.facts')).toContainText('contract-letter.txt');
  await page.getByRole('button', { name: 'Submit' }).click();

  await expect(page.getByRole('heading', { level: 2, name: 'Request submitted' })).toBeFocused();
  await expect(page.getByRole('status')).toContainText('SAAR-');
  await checkPage(page, '25-wizard-confirmation');
  await page.getByRole('link', { name: /Pending Requests/ }).click();
  await expect(page.getByRole('region', { name: 'Pending Requests' }).getByRole('article')).toHaveCount(2);

  // Each new SAAR carries the attachment.
  const headers = await apiAs(request, 'vvendor');
  const { pending } = await (await request.get('/api/v1/me/requests', { headers })).json();
  expect(pending).toHaveLength(2);
  for (const saar of pending) {
    const files = await (await request.get(`/api/v1/saars/${saar.id}/attachments`, { headers })).json();
    expect(files.map((f) => f.filename)).toEqual(['contract-letter.txt']);
  }
});

// A supervisor asking for a direct report starts from the report's DD 2875 information on
// file, not their own.
test('a supervisor requests for a direct report: the report’s information is prefilled', async ({ page, request }) => {
  const r = await request.patch('/api/v1/me', {
    headers: await apiAs(request, 'jrequester'),
    data: { job_title: 'Hazmat clerk', phone: '+1 703 555 0142' },
  });
  expect(r.status()).toBe(200);

  await page.goto('/sign-in');
  await field(page, 'User ID').fill('ssupervisor');
  await field(page, 'Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Home' })).toBeVisible();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My Information' }).click();
  await page.getByRole('tab', { name: 'Direct Reports' }).click();
  await page.getByRole('link', { name: 'Request a role for Jane Requester' }).click();
  await page.getByRole('button', { name: 'Accept' }).click();
  await expect(page.getByRole('heading', { level: 2, name: 'User Information' })).toBeFocused();
  await expect(page.getByLabel("Date of Jane Requester's last IA / cyber-awareness training")).not.toHaveValue('');
  await expect(page.getByLabel('Job title')).toHaveValue('Hazmat clerk');
  await expect(page.getByLabel('Phone')).toHaveValue('+1 703 555 0142');
  await checkPage(page, '26-wizard-for-a-report');
});
