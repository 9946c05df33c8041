/** The inbox's confirmations: approve (one or many) and deny with a reason. */
import { useId, useState } from 'react';
import { ConfirmDialog, Modal } from '../../components/Modal';
import { plural } from '../../lib/format';
import { approveRequests, denyRequests } from './actions';

const MAX_REASON = 1024;

export function ApproveDialog({ ids, subject, onClose, onDone }: { ids: number[]; subject: string; onClose: () => void; onDone?: () => void }) {
  const [busy, setBusy] = useState(false);
  const confirm = async (): Promise<void> => {
    setBusy(true);
    const ok = await approveRequests(ids);
    setBusy(false);
    if (ok) onDone?.();
    onClose();
  };
  return (
    <ConfirmDialog
      title={ids.length === 1 ? 'Approve this request?' : `Approve ${plural(ids.length, 'request')}?`}
      tone="primary"
      confirmLabel={ids.length === 1 ? 'Approve' : `Approve ${ids.length}`}
      busy={busy}
      description={
        <>
          <p>{subject}</p>
          <p>
            Ativo sends the approval on chain first: the payment held in escrow goes to the asset’s payees. Only once that is confirmed does the
            requester receive the key to this version. Each approval runs in the background and resumes if Ativo restarts.
          </p>
        </>
      }
      onConfirm={() => void confirm()}
      onClose={onClose}
    />
  );
}

export function DenyDialog({ ids, subject, onClose, onDone }: { ids: number[]; subject: string; onClose: () => void; onDone?: () => void }) {
  const [busy, setBusy] = useState(false);
  const [reason, setReason] = useState('');
  const fieldId = useId();
  const hintId = useId();
  const tooLong = new TextEncoder().encode(reason).length > MAX_REASON;
  const confirm = async (): Promise<void> => {
    if (tooLong) return;
    setBusy(true);
    const ok = await denyRequests(ids, reason.trim());
    setBusy(false);
    if (ok) onDone?.();
    onClose();
  };
  return (
    <Modal
      title={ids.length === 1 ? 'Deny this request?' : `Deny ${plural(ids.length, 'request')}?`}
      description={
        <>
          <p>{subject}</p>
          <p>The payment is refunded to the requester on chain, with your reason.</p>
        </>
      }
      size="sm"
      initialFocus="textarea"
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" form={`${fieldId}-form`} className="button button-danger" disabled={busy || tooLong}>
            {busy ? 'Working…' : ids.length === 1 ? 'Deny and refund' : `Deny ${ids.length} and refund`}
          </button>
        </>
      }
    >
      <form
        id={`${fieldId}-form`}
        onSubmit={(e) => {
          e.preventDefault();
          void confirm();
        }}
      >
        <div className="field">
          <label htmlFor={fieldId}>Reason (optional, public on chain)</label>
          <textarea
            id={fieldId}
            className="input inbox-reason"
            rows={3}
            value={reason}
            aria-describedby={hintId}
            aria-invalid={tooLong || undefined}
            onChange={(e) => {
              setReason(e.target.value);
            }}
          />
          <span id={hintId} className={tooLong ? 'field-error' : 'hint'}>
            {tooLong ? `Too long: at most ${MAX_REASON} bytes.` : 'For example: “This dataset is not licensed for commercial use.”'}
          </span>
        </div>
      </form>
    </Modal>
  );
}
