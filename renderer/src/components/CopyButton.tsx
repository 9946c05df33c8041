import { useCallback, useEffect, useRef, useState } from 'react';
import { Icon } from './Icon';

/**
 * Copies `text` to the clipboard, with a short spoken confirmation. Without clipboard
 * permission it falls back to letting the person copy by hand: it selects the <code> beside
 * it, or (`reveal`, for text shown shortened) shows the full text in a selected field.
 */
export function CopyButton({ text, label, reveal = false }: { text: string; label: string; reveal?: boolean }) {
  const [status, setStatus] = useState<'idle' | 'copied' | 'manual'>('idle');
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(
    () => () => {
      if (timer.current !== null) clearTimeout(timer.current);
    },
    [],
  );
  // Stable, so the field is focused and selected once, when it appears.
  const selectField = useCallback((el: HTMLInputElement | null) => {
    el?.focus();
    el?.select();
  }, []);
  const flash = (s: 'copied' | 'manual'): void => {
    setStatus(s);
    if (timer.current !== null) clearTimeout(timer.current);
    // A revealed field stays until the next copy: it may take a while to copy by hand.
    if (s === 'manual' && reveal) return;
    timer.current = setTimeout(() => {
      setStatus('idle');
    }, 2000);
  };
  const copy = async (target: HTMLElement): Promise<void> => {
    try {
      await navigator.clipboard.writeText(text);
      flash('copied');
    } catch {
      if (!reveal) {
        // No clipboard permission: select the text so Ctrl/Cmd+C copies it.
        const code = target.parentElement?.querySelector('code');
        if (code) window.getSelection()?.selectAllChildren(code);
      }
      flash('manual');
    }
  };
  return (
    <>
      <button
        type="button"
        className="icon-button icon-button-bordered"
        aria-label={label}
        title={label}
        onClick={(e) => void copy(e.currentTarget)}
      >
        <Icon name={status === 'copied' ? 'check' : 'copy'} size={16} />
      </button>
      {status === 'manual' && reveal && (
        <input
          className="input input-mono copy-reveal"
          readOnly
          value={text}
          aria-label={`${label}: press Ctrl+C to copy`}
          ref={selectField}
        />
      )}
      <span className="copy-status" role="status">
        {status === 'copied' ? 'Copied' : status === 'manual' ? 'Selected: press Ctrl+C to copy' : ''}
      </span>
    </>
  );
}
