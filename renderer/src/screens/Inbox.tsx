/** The access-request inbox (issue 6). */
export function InboxScreen({ selected }: { selected: number | null }) {
  return (
    <section className="screen" aria-labelledby="inbox-title">
      <h1 id="inbox-title">Inbox</h1>
      <p>{selected === null ? 'No access requests yet.' : `Request #${selected}`}</p>
    </section>
  );
}
