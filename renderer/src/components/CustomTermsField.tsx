import { useId } from 'react';

/** The contract's bound on custom license terms (src/api/publish-contract.ts, terms-contract.ts). */
const CUSTOM_TERMS_MAX = 20_000;

/** What is wrong with the custom terms of `license`, or null (only a custom license needs them). */
export const customTermsError = (license: string, text: string): string | null => (license === 'custom' && text.trim() === '' ? 'Write the terms of your license.' : null);

/** The "License terms" box of a custom license, in Publish and in Change terms; its error shows once the person tried to submit. */
export function CustomTermsField({ value, onChange, error, tried }: { value: string; onChange: (text: string) => void; error: string | null; tried: boolean }) {
  const id = useId();
  const errorId = useId();
  const shown = tried && error !== null;
  return (
    <div className="field">
      <label htmlFor={id}>License terms</label>
      <textarea
        id={id}
        className="input custom-terms"
        rows={5}
        value={value}
        maxLength={CUSTOM_TERMS_MAX}
        aria-invalid={shown}
        aria-describedby={shown ? errorId : undefined}
        onChange={(e) => {
          onChange(e.target.value);
        }}
      />
      {shown && (
        <p id={errorId} className="field-error">
          {error}
        </p>
      )}
    </div>
  );
}
