/**
 * Terms after publishing and listing, end to end (issue 14), against a real `ativo serve` (real
 * keychain under .ci/with-keyring.sh, sandbox chain and storage node): the owner changes the
 * price from the asset page and the registry's price changes; a request at the old price is
 * refused with a plain sentence and nothing paid; the owner takes the asset off sale and a
 * buyer is refused; back on sale, a buyer's request goes through.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Contract, JsonRpcProvider, parseEther } from 'ethers';
import { REPO_ROOT, expect, test } from './fixtures';
import { tempDir, value, writeTree } from './helpers';

const ABI = (JSON.parse(readFileSync(join(REPO_ROOT, 'src/chain/artifacts/AtivoRegistry.json'), 'utf8')) as { abi: [] }).abi;

interface OnChain {
  price: bigint;
  termsHash: string;
  forSale: boolean;
}

test('change the price from the asset page; a request at the old price is refused; off sale a request is refused; back on sale it works', async ({ page, server }) => {
  test.setTimeout(300_000);
  value(await server.call('wallet.create', {}));
  value(await server.call('storage.fund', { ether: '0.01' }));
  const folder = join(tempDir('ativo-e2e-terms-'), 'Tide tables');
  writeTree(folder, { 'tides.csv': 'day,high\n1,4.2\n' });
  const id = value<{ id: number }>(await server.call('assets.add', { path: folder })).id;
  await expect.poll(async () => value<{ state: string }>(await server.call('assets.get', { id })).state).toBe('ready');
  value(await server.call('assets.publish', { id, priceEth: '0.01' }));
  await expect
    .poll(async () => value<{ publication: { tokenId: string | null } | null }>(await server.call('assets.get', { id })).publication?.tokenId ?? null, { timeout: 180_000 })
    .not.toBeNull();
  const tokenId = value<{ publication: { tokenId: string } }>(await server.call('assets.get', { id })).publication.tokenId;

  const status = value<{ rpcUrl: string; registry: string }>(await server.call('chain.status', {}));
  const provider = new JsonRpcProvider(status.rpcUrl, undefined, { staticNetwork: true });
  const registry = new Contract(status.registry, ABI, provider);
  const onChain = async (): Promise<OnChain> => {
    const a = (await registry.getFunction('assetOf')(tokenId)) as OnChain;
    return { price: a.price, termsHash: a.termsHash, forSale: a.forSale };
  };
  const before = await onChain();
  expect(before).toMatchObject({ price: parseEther('0.01'), forSale: true });

  await page.goto(`${server.openUrl.split('#')[0] ?? ''}#/assets/${id}`);
  await page.reload();
  const panel = page.getByTestId('terms-panel');
  await expect(panel).toBeVisible({ timeout: 30_000 });
  await expect(panel.getByTestId('terms-price-now')).toHaveText('0.01 ETH');

  await test.step('change the price from the asset page: the price on chain changes', async () => {
    await panel.getByTestId('change-terms').click();
    const dialog = page.getByRole('dialog', { name: 'Change the terms of “Tide tables”' });
    await expect(dialog).toBeVisible();
    // A custom license needs its terms (the same field as in Publish); back to the current license.
    await dialog.getByLabel('License', { exact: true }).selectOption('custom');
    await dialog.getByTestId('terms-submit').click();
    await expect(dialog.getByLabel('License terms')).toHaveAccessibleDescription('Write the terms of your license.');
    await dialog.getByLabel('License', { exact: true }).selectOption('CC-BY-4.0');
    await dialog.getByTestId('terms-price').fill('0.02');
    const explain = dialog.getByTestId('terms-explain');
    await expect(explain).toContainText('Requests already waiting keep what they paid');
    await expect(explain).toContainText('A buyer who read the old terms and asks after this change is refused before paying anything. They see that the price changed from 0.01 ETH to 0.02 ETH');
    await expect(explain).toContainText('The revenue split cannot change here');
    await dialog.getByTestId('terms-submit').click();
    await expect(dialog).toBeHidden();
    await expect(panel.getByTestId('terms-price-now')).toHaveText('0.02 ETH', { timeout: 60_000 });
    expect((await onChain()).price).toBe(parseEther('0.02'));
    await expect(panel).toContainText(/0\.01 ETH under CC-BY-4\.0, certified .*: superseded by the terms of/);
  });

  await test.step('a request at the old price is refused with a clear message, nothing paid', async () => {
    const r = await server.call('access.request', { tokenId, termsHash: before.termsHash, priceWei: parseEther('0.01').toString() });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/^The owner of asset #\d+ has changed its price from 0\.01 ETH to 0\.02 ETH since you read it, so nothing was sent or paid\. Request again if you accept the new price\.$/);
  });

  const forSale = panel.getByTestId('for-sale');
  await test.step('take it off sale: a buyer is refused', async () => {
    await expect(forSale).toBeChecked();
    await forSale.uncheck();
    await expect(panel.getByTestId('sale-state')).toContainText('Not for sale: new requests are refused and nobody pays.', { timeout: 60_000 });
    await expect(forSale).not.toBeChecked();
    expect((await onChain()).forSale).toBe(false);
    const refused = await server.call('access.simulateBuyer', { assetId: id, message: 'May I?' });
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.error.message).toMatch(/The owner of asset #\d+ has taken it off sale, so your request was refused and nothing was paid\./);
    const now = await onChain();
    const asked = await server.call('access.request', { tokenId, termsHash: now.termsHash, priceWei: now.price.toString() });
    expect(asked.ok).toBe(false);
    if (!asked.ok) expect(asked.error.message).toBe(`The owner has taken asset #${tokenId} off sale, so nothing was sent or paid. Ask the owner, or request again when it is for sale.`);
  });

  await test.step('put it back on sale: a request then works', async () => {
    await forSale.check();
    await expect(panel.getByTestId('sale-state')).toHaveText('Buyers can request access and pay the price.', { timeout: 60_000 });
    expect((await onChain()).forSale).toBe(true);
    const ok = value<{ requestId: string }>(await server.call('access.simulateBuyer', { assetId: id, message: 'May I now?' }));
    expect(ok.requestId).toMatch(/^\d+$/);
    await page.reload();
    await expect(panel).toContainText('Waiting requests1', { timeout: 30_000 });
  });
  provider.destroy();
});
