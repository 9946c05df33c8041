/** The asset's last publication failed: why, and a Retry (the same durable job, from its checkpoint). */
import { useState } from 'react';
import { call, messageOf } from '../../api/client';
import { Icon } from '../../components/Icon';
import { loadJobs, notify } from '../../state/store';
import type { LiveJob } from '../../state/store';

export function PublishFailed({ job, name }: { job: LiveJob; name: string }) {
  const [busy, setBusy] = useState(false);
  const retry = async (): Promise<void> => {
    setBusy(true);
    try {
      await call('jobs.retry', { id: job.id });
      notify('info', `Publishing “${name}” again: it continues from where it stopped.`);
    } catch (e) {
      notify('error', `Could not retry the publication: ${messageOf(e)}`);
    } finally {
      setBusy(false);
      loadJobs();
    }
  };
  return (
    <div className="panel panel-error" role="alert" data-testid="publish-failed">
      <Icon name="alert" />
      <div>
        <strong>Publishing failed.</strong>
        <p>{job.error ?? 'Unknown error.'}</p>
        <p>
          <button type="button" className="button button-sm" onClick={() => void retry()} disabled={busy} aria-label={`Retry publishing ${name}`}>
            <Icon name="refresh" size={16} />
            {busy ? 'Retrying…' : 'Retry'}
          </button>
        </p>
      </div>
    </div>
  );
}
