// Network credentials (the seeds' "sign in at your organization and come back"): DLA's
// administrator names its identity provider, a real OpenID provider (panva's oidc-provider,
// OpenID Certified) started here on loopback; Jane signs in there from AMPS's sign-in page and
// comes back signed in; a person whose account AMPS cannot match is told why. Axe on each
// AMPS screen.
import { spawn } from 'node:child_process';
import { apiAs, checkPage, expect, nav, signIn, signOut, test } from './helpers.mjs';

const PROVIDER_PORT = Number(process.env.AMPS_E2E_OIDC_PORT || '18990');

test('a person signs in with their organization\'s network credentials', async ({ page, request }) => {
  const base = test.info().project.use.baseURL;
  const provider = spawn('node', [
    'oidc-provider.mjs', String(PROVIDER_PORT), 'amps', 'a shared client secret', `${base}/api/v1/auth/network/callback`,
  ], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'ignore'] });
  await new Promise((resolve, reject) => {
    provider.stdout.on('data', (d) => { if (String(d).includes('ready')) resolve(); });
    provider.on('exit', (code) => reject(new Error(`the provider exited (${code})`)));
  });
  const admin = await apiAs(request, 'aadmin');
  const dla = (await (await request.get('/api/v1/organizations', { headers: admin })).json())
    .find((o) => o.code === 'DLA');
  try {
    // The administrator names DLA's provider on its card in Catalog → Organizations.
    await signIn(page, 'aadmin');
    await nav(page, 'Catalog');
    const card = page.getByRole('region', { name: 'Organizations' })
      .getByRole('article', { name: /Defense Logistics Agency/ });
    await card.getByText('Network sign-in: off').click();
    const form = card.getByRole('form', { name: 'Network sign-in of DLA' });
    await form.getByLabel('Issuer (the provider\'s URL)').fill(`http://127.0.0.1:${PROVIDER_PORT}`);
    await form.getByLabel('Client ID of AMPS at the provider').fill('amps');
    await form.getByLabel('Client secret', { exact: true }).fill('a shared client secret');
    await form.getByRole('button', { name: 'Save network sign-in' }).click();
    await expect(page.getByRole('status').first()).toContainText(
      `DLA: its people can sign in with their network credentials. Register AMPS with the provider with the redirect URI ${base}/api/v1/auth/network/callback.`,
    );
    await expect(card.getByText('Network sign-in: on')).toBeVisible();
    await checkPage(page, '79-organization-network-sign-in');
    await signOut(page);

    await page.goto('/sign-in');
    const start = page.getByRole('button', { name: 'Sign in with Defense Logistics Agency network credentials' });
    await expect(start).toBeVisible();
    await checkPage(page, '80-sign-in-network-offered');
    await start.click();
    // At the organization's sign-in (the provider's page, not AMPS's).
    await expect(page.getByRole('heading', { name: 'Sign in to your organization' })).toBeVisible();
    await page.getByLabel('Email').fill('jane.requester@dla.example');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Home' })).toBeFocused();
    await expect(page).toHaveURL(/\/$/);
    await nav(page, 'My Information');
    await expect(page.getByRole('table', { name: 'Your sign-ins' })).toContainText('network credentials');
    // Her identity there is among her sign-in methods, linked by her verified address.
    await expect(page.getByRole('region', { name: 'Network sign-in' })
      .getByRole('table', { name: 'Network identities that sign you in' }))
      .toContainText('sub-jane.requester@dla.example');
    await checkPage(page, '82-my-network-identity');
    await signOut(page);

    // Victor's account belongs to another organization: DLA's sign-in does not open it, and
    // AMPS says why and where to go instead. (On another computer: the provider remembers Jane
    // in this browser and would sign her in again at once.)
    await page.context().clearCookies();
    await page.getByRole('button', { name: 'Sign in with Defense Logistics Agency network credentials' }).click();
    await page.getByLabel('Email').fill('victor.vendor@acme.example');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Sign in with network credentials' })).toBeFocused();
    await expect(page.getByRole('alert')).toContainText('No AMPS account of your organization matches your network sign-in.');
    await expect(page).toHaveURL(/\/sign-in\/network$/);
    await checkPage(page, '81-sign-in-network-refused');
  } finally {
    provider.kill();
    await request.delete(`/api/v1/organizations/${dla.id}/network-sign-in`, { headers: admin });
  }
});
