/**
 * Command and event names, without their schemas: the Electron preload builds its named
 * functions from these lists (and stays small), the browser bridge validates against them.
 * `contract.ts` checks at compile time that these lists and the schemas agree.
 */
export const COMMAND_NAMES = [
  'app.info',
  'assets.add',
  'assets.list',
  'assets.get',
  'assets.files',
  'assets.manifest',
  'assets.rescan',
  'assets.remove',
  'network.list',
  'network.use',
  'network.set',
  'wallet.list',
  'wallet.create',
  'wallet.import',
  'wallet.export',
  'wallet.remove',
  'wallet.use',
  'wallet.balance',
  'chain.status',
  'sandbox.fund',
  'jobs.list',
  'jobs.pause',
  'jobs.resume',
  'jobs.cancel',
  'jobs.retry',
  'jobs.pauseAll',
  'jobs.resumeAll',
  'jobs.batches',
  'jobs.retryBatch',
  'jobs.pauseBatch',
  'jobs.resumeBatch',
  'jobs.cancelBatch',
  'storage.status',
  'storage.quote',
  'storage.fund',
  'assets.upload',
  'uploads.list',
  'assets.publish',
  'assets.certificate',
  'assets.publishDefaults',
  'certificates.verify',
  'assets.registration',
  'system.browse',
  'access.list',
  'access.get',
  'access.markRead',
  'access.approve',
  'access.deny',
  'access.setAutoApprove',
  'access.sync',
  'access.simulateBuyer',
  'access.request',
  'access.status',
  'access.cancel',
  'access.fetch',
  'audit.list',
  'earnings.summary',
  'earnings.series',
  'earnings.assets',
  'earnings.contributors',
  'earnings.payouts',
  'earnings.csv',
  'earnings.reconcile',
  'earnings.withdraw',
] as const;

export const EVENT_NAMES = ['scan.progress', 'asset.changed', 'job.changed', 'jobs.paused', 'jobs.batch', 'settings.changed', 'access.changed', 'access.new', 'earnings.changed'] as const;

/** IPC channel for a command (Electron) and URL path (browser shell). */
export const commandChannel = (name: string): string => `ativo:${name}`;
export const EVENT_CHANNEL = 'ativo:event';
/** Electron: the backend host's state, pushed to the window ('connecting', 'open', 'reconnecting'). */
export const CONNECTION_CHANNEL = 'ativo:connection';
