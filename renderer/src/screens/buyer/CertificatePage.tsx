/**
 * The certificate for people (issue 16): what the asset's certificate proves and preserves, in
 * plain words (the backend's view, the same as the printable page), with Print, the printable
 * page and the JSON to save.
 */
import { call } from '../../api/client';
import type { CommandOutput } from '../../api/client';
import { CopyButton } from '../../components/CopyButton';
import { FormError } from '../../components/FormError';
import { Icon } from '../../components/Icon';
import { useQuery } from '../../hooks/useQuery';
import './buyer.css';

type Page = CommandOutput<'buyer.certificate'>;

/** Saves text made here as a file (an object URL, revoked once the download started). */
function save(text: string, type: string, fileName: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => {
    URL.revokeObjectURL(url);
  }, 1000);
}

function Sections({ page }: { page: Page }) {
  const [intro, command, after] = page.view.howToCheck;
  return (
    <>
      {page.view.sections.map((s, i) => (
        <section key={s.heading} className="card cert-section" aria-labelledby={`cert-s${i}`}>
          <div className="card-head">
            <h2 id={`cert-s${i}`}>{s.heading}</h2>
          </div>
          <p>{s.summary}</p>
          <table>
            <tbody>
              {s.lines.map((l, j) => (
                <tr key={j}>
                  <th scope="row">{l.label === '' ? <span className="sr-only">{s.lines[j - 1]?.label ?? ''}</span> : l.label}</th>
                  <td>{l.code === true ? <code className="buyer-code">{l.value}</code> : l.value}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ))}
      <section className="card cert-section" aria-labelledby="cert-check">
        <div className="card-head">
          <h2 id="cert-check">How to check it yourself</h2>
        </div>
        <p>{intro}</p>
        <pre className="cert-command">{command}</pre>
        <p>{after}</p>
      </section>
    </>
  );
}

export function CertificateScreen({ id }: { id: number }) {
  const q = useQuery(`certificate:${id}`, () => call('buyer.certificate', { id }));
  const page = q.data;
  return (
    <div className="buyer-page" data-testid="certificate-page">
      <div className="page-head">
        <div className="title-block">
          <p className="page-sub">Certificate</p>
          <h1>{page?.view.title ?? 'Certificate'}</h1>
        </div>
        {page !== null && (
          <div className="page-actions">
            {page.route !== null && (
              <a className="button" href={page.route} data-testid="certificate-public">
                Public page
              </a>
            )}
            {page.link !== null && <CopyButton text={page.link} label="Copy link" />}
            <button
              type="button"
              className="button"
              onClick={() => {
                window.print();
              }}
            >
              Print
            </button>
            <button
              type="button"
              className="button"
              onClick={() => {
                save(page.html, 'text/html', page.fileName);
              }}
            >
              <Icon name="download" size={16} />
              Save printable page
            </button>
            <button
              type="button"
              className="button"
              onClick={() => {
                save(`${JSON.stringify(page.certificate, null, 2)}\n`, 'application/json', 'ativo-certificate.json');
              }}
            >
              <Icon name="download" size={16} />
              Save certificate file
            </button>
          </div>
        )}
      </div>
      {q.error !== null && <FormError>{q.error.message}</FormError>}
      {page === null && q.error === null && <p className="muted">Loading…</p>}
      {page !== null && (
        <>
          <p className="cert-headline" data-testid="certificate-headline">
            {page.view.headline}
          </p>
          <Sections page={page} />
        </>
      )}
    </div>
  );
}
