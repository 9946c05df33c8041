import { useEffect, useEffectEvent, useId, useRef } from 'react';
import type { KeyboardEvent, ReactNode } from 'react';
import { Icon } from './Icon';

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

function focusables(root: HTMLElement): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((el) => el.offsetParent !== null || el === document.activeElement);
}

/**
 * A modal dialog on the native <dialog> (inert background, top layer), plus an explicit
 * focus trap, Escape to close, and focus returned to the opener on close.
 */
export function Modal({
  title,
  description,
  onClose,
  children,
  footer,
  size = 'md',
  initialFocus,
}: {
  title: string;
  description?: ReactNode;
  onClose: () => void;
  children?: ReactNode;
  footer?: ReactNode;
  size?: 'sm' | 'md' | 'lg';
  /** CSS selector of the element to focus first (default: the first focusable). */
  initialFocus?: string;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const descId = useId();
  const close = useEffectEvent(() => {
    onClose();
  });
  const focusFirst = useEffectEvent(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const target = (initialFocus !== undefined ? dialog.querySelector<HTMLElement>(initialFocus) : null) ?? focusables(dialog)[0];
    target?.focus();
  });

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (!dialog.open) dialog.showModal();
    focusFirst();
    const onCancel = (e: Event): void => {
      e.preventDefault();
      close();
    };
    dialog.addEventListener('cancel', onCancel);
    return () => {
      dialog.removeEventListener('cancel', onCancel);
      if (dialog.open) dialog.close();
      // The opener may be gone (e.g. an empty state replaced by what the dialog made) or now
      // disabled (a Publish button while publishing): then the page's main region takes focus,
      // so keyboard users are not dropped to <body>.
      if (opener?.isConnected) opener.focus();
      if (document.activeElement !== opener) document.getElementById('main')?.focus();
    };
  }, []);

  const onKeyDown = (e: KeyboardEvent<HTMLDialogElement>): void => {
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      onClose();
      return;
    }
    if (e.key !== 'Tab' || !ref.current) return;
    const items = focusables(ref.current);
    const first = items[0];
    const last = items[items.length - 1];
    if (!first || !last) {
      e.preventDefault();
      return;
    }
    if (e.shiftKey && (document.activeElement === first || !ref.current.contains(document.activeElement))) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && document.activeElement === last) {
      e.preventDefault();
      first.focus();
    }
  };

  return (
    <dialog
      ref={ref}
      className={`modal modal-${size}`}
      aria-labelledby={titleId}
      aria-describedby={description !== undefined ? descId : undefined}
      onKeyDown={onKeyDown}
    >
      <div className="modal-head">
        <h2 id={titleId}>{title}</h2>
        <button type="button" className="icon-button" aria-label="Close dialog" onClick={onClose}>
          <Icon name="close" />
        </button>
      </div>
      {description !== undefined && (
        <div id={descId} className="modal-desc">
          {description}
        </div>
      )}
      {children !== undefined && <div className="modal-body">{children}</div>}
      {footer !== undefined && <div className="modal-foot">{footer}</div>}
    </dialog>
  );
}

export function ConfirmDialog({
  title,
  description,
  confirmLabel,
  tone = 'danger',
  busy = false,
  onConfirm,
  onClose,
}: {
  title: string;
  description: ReactNode;
  confirmLabel: string;
  tone?: 'danger' | 'primary';
  busy?: boolean;
  onConfirm: () => void;
  onClose: () => void;
}) {
  return (
    <Modal
      title={title}
      description={description}
      onClose={onClose}
      size="sm"
      initialFocus="[data-autofocus]"
      footer={
        <>
          <button type="button" className="button" onClick={onClose} data-autofocus>
            Cancel
          </button>
          <button type="button" className={`button button-${tone}`} onClick={onConfirm} disabled={busy}>
            {busy ? 'Working…' : confirmLabel}
          </button>
        </>
      }
    />
  );
}
