// Swagger UI at /docs, as a developer explores the API: served by `amps serve` from its own
// files (no CDN), under the server's Content-Security-Policy (the shared `test` fails on any
// refusal), listing the operations; one is tried with a token from Authorize.
import { apiAs, expect, test } from './helpers.mjs';

test('Swagger UI lists the API and tries an operation with a bearer token', async ({ page, request }) => {
  const external = [];
  page.on('request', (r) => {
    if (!r.url().startsWith('http://127.0.0.1')) external.push(r.url());
  });
  const res = await page.goto('/docs/');
  const csp = res.headers()['content-security-policy'];
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).not.toContain("'unsafe-eval'");
  await expect(page.getByRole('heading', { name: /AMPS API/ })).toBeVisible();
  await expect(page.locator('.opblock-summary-path', { hasText: '/api/v1/me/roles' }).first()).toBeVisible();

  const headers = await apiAs(request, 'jrequester');
  await page.getByRole('button', { name: /Authorize/ }).first().click();
  await page.locator('.modal-ux input[type=text]').first().fill(headers.Authorization.replace('Bearer ', ''));
  await page.locator('.modal-ux').getByRole('button', { name: 'Apply credentials' }).click();
  await page.locator('.modal-ux').getByRole('button', { name: 'Close' }).click();

  const op = page.locator('#operations-me-list_my_roles');
  await op.locator('.opblock-summary').click();
  await op.getByRole('button', { name: 'Try it out' }).click();
  await op.getByRole('button', { name: 'Execute' }).click();
  await expect(op.locator('.live-responses-table tbody .response-col_status').first()).toHaveText('200');
  expect(external, 'requests leaving the server').toEqual([]);
});
