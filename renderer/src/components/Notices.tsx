import { dismissNotice, useApp } from '../state/store';
import { Icon } from './Icon';

/** Transient messages (adds, removals, failures). Errors stay until dismissed. */
export function Notices() {
  const notices = useApp((s) => s.notices);
  return (
    <div className="notices" role="status" aria-live="polite">
      {notices.map((n) => (
        <div key={n.id} className={`notice notice-${n.tone}`} role={n.tone === 'error' ? 'alert' : undefined}>
          {n.href !== undefined ? (
            <a className="notice-text" href={n.href} onClick={() => { dismissNotice(n.id); }}>
              {n.text}
            </a>
          ) : (
            <span className="notice-text">{n.text}</span>
          )}
          <button type="button" className="icon-button" aria-label="Dismiss message" onClick={() => { dismissNotice(n.id); }}>
            <Icon name="close" size={16} />
          </button>
        </div>
      ))}
    </div>
  );
}
