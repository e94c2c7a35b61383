export default function Loading() {
  return (
    <div className="loading" role="status" aria-live="polite">
      Loading data…
    </div>
  );
}
