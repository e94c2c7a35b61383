export const dynamic = 'force-dynamic';

/** Liveness only: does not touch the store (the e2e run seeds it after the server starts). */
export function GET(): Response {
  return Response.json({ ok: true });
}
