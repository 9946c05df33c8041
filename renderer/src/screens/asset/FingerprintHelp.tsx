/** "What is this?" under an asset's fingerprint (its content root), in plain words. */
export function FingerprintHelp() {
  return (
    <details className="fingerprint-help" data-testid="fingerprint-help">
      <summary>What is this?</summary>
      <p>
        The fingerprint identifies exactly these files: every file&apos;s contents and its name in the folder go into it. Change one byte, rename, add or
        remove a file, and the fingerprint is different.
      </p>
      <p>
        When you publish, this fingerprint is what gets certified. Anyone holding the files can compute it again with standard tools, without Ativo,
        and check that they have exactly what you published. Ativo&apos;s guide shows how.
      </p>
    </details>
  );
}
