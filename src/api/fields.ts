/**
 * How a person knows each input field of the API: its label in the app's forms, and the flag or
 * argument of the command line that fills it. A refused input is reported with these, never
 * with the command's or the field's internal name ("assets.publish", "priceEth").
 */
import type { z } from 'zod';
import type { FieldIssue } from '../util/errors';

export interface FieldWords {
  /** The form field's label in the app ("Price"). */
  label: string;
  /** The command line's flag or argument ("--price", "the asset id"). */
  cli: string;
  /** What a valid value is, when zod's own words would not say it well ("must be an amount like 0.01"). */
  must?: string;
}

const AMOUNT = 'must be an amount like 0.01';
const ADDRESS = 'must be an address: 0x and 40 hexadecimal digits';
const WHOLE = 'must be a positive whole number';

/** By field name; `command:field` entries win for fields that mean different things in different commands. */
export const FIELD_WORDS: Record<string, FieldWords> = {
  path: { label: 'Folder', cli: 'the folder' },
  'wallet.import:path': { label: 'Derivation path', cli: '--path' },
  'wallet.export:path': { label: 'File', cli: '--out', must: 'must be a full path to a file' },
  'system.browse:path': { label: 'Folder', cli: 'the folder' },
  kind: { label: 'Kind', cli: '--kind', must: 'must be dataset or model' },
  'jobs.list:kind': { label: 'Kind of task', cli: 'the kind of task' },
  name: { label: 'Name', cli: '--name' },
  'network.use:name': { label: 'Network', cli: 'the network', must: 'must be sandbox, testnet or mainnet' },
  'network.set:name': { label: 'Network', cli: 'the network', must: 'must be sandbox, testnet or mainnet' },
  'network.registryQuote:name': { label: 'Network', cli: '--network', must: 'must be testnet or mainnet' },
  'network.deployRegistry:name': { label: 'Network', cli: '--network', must: 'must be testnet or mainnet' },
  maxFeeWei: { label: 'Fee', cli: 'the fee', must: 'must be an amount in wei (a whole number)' },
  query: { label: 'Search', cli: '--query' },
  state: { label: 'State', cli: 'the state' },
  offset: { label: 'Page', cli: 'the page', must: 'must be 0 or more' },
  limit: { label: 'Page size', cli: 'the page size', must: 'must be between 1 and 1000' },
  id: { label: 'Asset', cli: 'the asset id', must: WHOLE },
  'jobs.pause:id': { label: 'Task', cli: 'the task number', must: WHOLE },
  'jobs.resume:id': { label: 'Task', cli: 'the task number', must: WHOLE },
  'jobs.cancel:id': { label: 'Task', cli: 'the task number', must: WHOLE },
  'jobs.retry:id': { label: 'Task', cli: 'the task number', must: WHOLE },
  'access.get:id': { label: 'Request', cli: 'the request', must: WHOLE },
  rpcUrl: { label: 'RPC URL', cli: '--rpc', must: 'must be an http:// or https:// URL' },
  chainId: { label: 'Chain ID', cli: '--chain-id', must: WHOLE },
  registry: { label: 'AtivoRegistry address', cli: '--registry', must: ADDRESS },
  storageUrl: { label: 'Storage node URL', cli: '--storage', must: 'must be an http:// or https:// URL' },
  label: { label: 'Label', cli: '--label', must: 'must be at most 100 characters' },
  privateKey: { label: 'Private key', cli: 'the private key' },
  mnemonic: { label: 'Recovery phrase', cli: 'the recovery phrase' },
  address: { label: 'Address', cli: 'the address', must: ADDRESS },
  password: { label: 'Password', cli: 'the password' },
  fileName: { label: 'File name', cli: 'the file name' },
  ether: { label: 'Amount', cli: '--ether', must: `${AMOUNT} (in ETH)` },
  assetId: { label: 'Asset', cli: 'the asset id', must: WHOLE },
  batched: { label: 'Batched', cli: 'the batch filter' },
  batch: { label: 'Batch', cli: 'the batch', must: WHOLE },
  bytes: { label: 'Size', cli: 'the size in bytes', must: 'must be a whole number of bytes' },
  visibility: { label: 'Visibility', cli: '--private or --public' },
  confirmPublic: { label: 'Make it public', cli: '--public' },
  license: { label: 'License', cli: '--license', must: 'must be one of CC-BY-4.0, CC-BY-NC-4.0, CC0-1.0, ODC-By-1.0, OpenRAIL-M or custom' },
  customTerms: { label: 'Terms', cli: '--terms', must: 'must be between 1 and 20000 characters' },
  priceEth: { label: 'Price', cli: '--price', must: `${AMOUNT} (in ETH; 0 makes it free)` },
  description: { label: 'Description', cli: '--description', must: 'must be at most 2000 characters' },
  accessDays: { label: 'Access period (days)', cli: '--access-days', must: 'must be a whole number of days from 0 (no end) to 36500' },
  forSale: { label: 'For sale', cli: 'on or off' },
  approval: { label: 'Approval', cli: 'the approval', must: 'must be manual or automatic' },
  split: { label: 'Payout split', cli: '--split' },
  certificate: { label: 'Certificate', cli: 'the certificate' },
  folder: { label: 'Folder', cli: '--folder' },
  fromStorage: { label: 'Download from storage', cli: '--from-storage' },
  contentRoot: { label: 'Content root', cli: 'the content root' },
  showHidden: { label: 'Show hidden folders', cli: 'the hidden folders choice' },
  unreadOnly: { label: 'Unread only', cli: 'the unread filter' },
  ids: { label: 'Requests', cli: 'the request ids' },
  all: { label: 'All', cli: '--all' },
  reason: { label: 'Reason', cli: '--reason', must: 'must be at most 1024 characters' },
  autoApprove: { label: 'Approve automatically', cli: 'the automatic approval choice' },
  message: { label: 'Message', cli: '--message', must: 'must be at most 1024 characters' },
  tokenId: { label: 'Asset number', cli: 'the asset number', must: WHOLE },
  termsHash: { label: 'License terms', cli: '--terms-hash' },
  priceWei: { label: 'Price', cli: 'the price' },
  requestId: { label: 'Request', cli: 'the request id', must: WHOLE },
  out: { label: 'Save to', cli: '--out', must: 'must be a full path' },
  fundStorage: { label: 'Storage funding', cli: 'the storage funding', must: 'must be needed or an amount in wei' },
  bucket: { label: 'Period', cli: 'the period', must: 'must be day, week or month' },
  timeZone: { label: 'Time zone', cli: 'the time zone', must: 'must be a time zone name like Europe/Lisbon' },
  // Discover (issue 16)
  'discover.list:kind': { label: 'Kind', cli: '--kind', must: 'must be dataset, model or other' },
  'discover.list:license': { label: 'License', cli: '--license', must: 'must be at most 100 characters' },
  'discover.list:query': { label: 'Search', cli: '--query', must: 'must be at most 200 characters' },
  free: { label: 'Free only', cli: '--free' },
  maxPriceEth: { label: 'Highest price', cli: '--max-price', must: `${AMOUNT} (in ETH)` },
  sort: { label: 'Sort by', cli: '--sort', must: 'must be newest, price or approved' },
  refresh: { label: 'Refresh', cli: 'the refresh choice' },
  // Governance (issue 17)
  rule: { label: 'Consent rule', cli: '--rule', must: 'must be owner, all, or a percent from 1 to 100 (like 60%)' },
  consent: { label: 'Who agrees to changes', cli: '--consent', must: 'must be owner, all, or a percent from 1 to 100 (like 60%)' },
  proposalId: { label: 'Proposal', cli: 'the proposal id', must: 'must be a proposal id: 0x and 64 hexadecimal digits' },
};

/** Words for a field of a command: its own entry, or plain words made from its name (never the name itself). */
export function fieldWords(command: string, field: string): FieldWords {
  const known = FIELD_WORDS[`${command}:${field}`] ?? (Object.hasOwn(FIELD_WORDS, field) ? FIELD_WORDS[field] : undefined);
  if (known !== undefined) return known;
  const words = field.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return { label: words.charAt(0).toUpperCase() + words.slice(1), cli: `the ${words}` };
}

/** zod's own words for a problem, made into the end of a sentence ("must be …", "is required"). */
function plainMust(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && /received undefined/.test(issue.message)) return 'is required';
  const m = issue.message.trim().replace(/\.$/, '');
  if (/^(must|is|should|give|use|needs?)\b/i.test(m)) return m.charAt(0).toLowerCase() + m.slice(1);
  if (issue.code === 'too_big') return 'is too long or too large';
  if (issue.code === 'too_small') return 'is too short or too small';
  return 'is not valid';
}

const ordinal = (n: number): string => `${n + 1}`;

export interface DescribedInput {
  /** The app's sentence, naming form fields by their labels. */
  message: string;
  /** The command line's sentence, naming flags and arguments. */
  cli: string;
  fields: FieldIssue[];
}

/** A refused input as sentences for each surface (app and command line), and the fields it names. */
export function describeInputIssues(command: string, issues: readonly z.core.$ZodIssue[]): DescribedInput {
  const app: string[] = [];
  const cli: string[] = [];
  const fields: FieldIssue[] = [];
  for (const issue of issues.slice(0, 5)) {
    const top = issue.path[0];
    if (issue.code === 'unrecognized_keys') {
      // Never from a form or a flag: a caller sent something this version does not know.
      const keys = issue.keys.map((k) => fieldWords(command, k).label.toLowerCase()).join(', ');
      app.push(`This version of Ativo does not know the setting${issue.keys.length > 1 ? 's' : ''} ${keys}: update Ativo, or leave ${issue.keys.length > 1 ? 'them' : 'it'} out.`);
      cli.push(`this version of ativo does not know ${keys}: update it, or leave ${issue.keys.length > 1 ? 'them' : 'it'} out`);
      continue;
    }
    if (typeof top !== 'string') {
      // A rule across fields (a refine): its message is a whole sentence already.
      const m = issue.message.trim().replace(/\.$/, '');
      app.push(`${m.charAt(0).toUpperCase()}${m.slice(1)}.`);
      cli.push(m);
      continue;
    }
    const w = fieldWords(command, top);
    const rest = issue.path.slice(1);
    const entry = typeof rest[0] === 'number' ? ` (entry ${ordinal(rest[0])}${typeof rest[1] === 'string' ? `, ${fieldWords(command, rest[1]).label.toLowerCase()}` : ''})` : '';
    // The field's own rule says what a valid value is; a nested one (an entry of a list) keeps zod's words.
    const missing = issue.code === 'invalid_type' && /received undefined/.test(issue.message);
    const must = !missing && rest.length === 0 && w.must !== undefined ? w.must : plainMust(issue);
    app.push(`${w.label}${entry} ${must}.`);
    cli.push(`${w.cli}${entry} ${must}`);
    fields.push({ field: issue.path.map(String).join('.'), message: must });
  }
  return { message: app.join(' '), cli: cli.join('; '), fields };
}
