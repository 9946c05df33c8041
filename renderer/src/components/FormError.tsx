import type { ReactNode } from 'react';
import { Icon } from './Icon';

/** A form's error, announced to screen readers; `id` lets fields and buttons point at it. */
export function FormError({ id, children }: { id?: string; children: ReactNode }) {
  return (
    <p id={id} className="form-error" role="alert">
      <Icon name="alert" size={16} /> {children}
    </p>
  );
}
