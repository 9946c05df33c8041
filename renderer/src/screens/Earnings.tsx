/** Earnings (issue 7). */
export function EarningsScreen() {
  return (
    <section className="screen" aria-labelledby="earnings-title">
      <h1 id="earnings-title">Earnings</h1>
      <p>No earnings yet.</p>
    </section>
  );
}
