import Link from 'next/link';

export default function NotFound() {
  return (
    <div className="callout" role="status">
      <strong>No such page.</strong>
      <p>
        Go to the <Link href="/">fleet overview</Link>.
      </p>
    </div>
  );
}
